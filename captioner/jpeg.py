"""The few JPEG structures python-exiv2 does not expose: segments, the Photoshop IRB digest, extended XMP.

* The Photoshop IPTC digest (image resource 0x0425) is the MD5 of the IIM block (resource 0x0404). Readers
  following the MWG guidelines use it to tell whether XMP is in step with IIM; exiv2 leaves it stale, so the
  writer recomputes it here.
* Extended XMP (XMP split over several APP1 segments) is reassembled here; exiv2 reads the main packet only.
* The image data (first SOS marker to the end of the file) must come out of a write byte-identical.
"""

from __future__ import annotations

import hashlib
import io
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

PHOTOSHOP_HEADER = b"Photoshop 3.0\x00"
XMP_EXT_HEADER = b"http://ns.adobe.com/xmp/extension/\x00"
EXIF_HEADER = b"Exif\x00\x00"
IRB_IPTC = 0x0404
IRB_DIGEST = 0x0425
_IRB_SIGNATURES = (b"8BIM", b"PHUT", b"AgHg", b"DCSR")
_STANDALONE = {0x01, *range(0xD0, 0xD8)}
_MAX_SEGMENT_PAYLOAD = 65533


class JpegError(ValueError):
    """The bytes are not a well-formed JPEG header."""


@dataclass
class JpegHeader:
    """What the segments before the first SOS marker hold that we care about."""

    sos_offset: int = -1
    """Offset of the first SOS marker (the image data runs from here to the end of the file)."""
    app13: list[bytes] = field(default_factory=list)
    """Payloads (after the ``Photoshop 3.0`` header) of the Photoshop APP13 segments, in order."""
    extended_xmp: list[bytes] = field(default_factory=list)
    """Payloads (after the extension header) of extended-XMP APP1 segments."""
    exif_size: int = -1
    """Length of the EXIF (APP1 ``Exif``) segment, -1 when there is none."""


def is_jpeg(head: bytes) -> bool:
    """True when `head` starts like a JPEG file."""
    return head[:3] == b"\xff\xd8\xff"


def read_header(stream: BinaryIO, keep_payloads: bool = True) -> JpegHeader:
    """Walk the segments of a JPEG up to the first SOS marker, keeping APP13 and extended-XMP payloads."""
    header = JpegHeader()
    if stream.read(2) != b"\xff\xd8":
        raise JpegError("not a JPEG file")
    while True:
        byte = stream.read(1)
        if not byte:
            raise JpegError("JPEG ends before its image data")
        if byte != b"\xff":
            raise JpegError("corrupt JPEG segment marker")
        marker = stream.read(1)
        while marker == b"\xff":
            marker = stream.read(1)
        if not marker:
            raise JpegError("JPEG ends before its image data")
        code = marker[0]
        if code in _STANDALONE:
            continue
        if code == 0xDA:
            header.sos_offset = stream.tell() - 2
            return header
        if code == 0xD9:
            raise JpegError("JPEG has no image data")
        raw_len = stream.read(2)
        if len(raw_len) != 2:
            raise JpegError("JPEG ends inside a segment")
        (length,) = struct.unpack(">H", raw_len)
        if length < 2:
            raise JpegError("corrupt JPEG segment length")
        wanted = {0xED: PHOTOSHOP_HEADER, 0xE1: XMP_EXT_HEADER}.get(code) if keep_payloads else None
        if wanted is None:
            stream.seek(length - 2, io.SEEK_CUR)
            continue
        head = stream.read(min(len(wanted), length - 2))
        if code == 0xE1 and head.startswith(EXIF_HEADER) and header.exif_size < 0:
            header.exif_size = length
        if head != wanted:  # EXIF, the main XMP packet, …: skipped without reading them
            stream.seek(length - 2 - len(head), io.SEEK_CUR)
            continue
        payload = stream.read(length - 2 - len(head))
        if len(payload) != length - 2 - len(head):
            raise JpegError("JPEG ends inside a segment")
        (header.app13 if code == 0xED else header.extended_xmp).append(payload)


def header_of_bytes(data: bytes) -> JpegHeader:
    """:func:`read_header` over bytes in memory."""
    return read_header(io.BytesIO(data))


@dataclass
class Resource:
    """One Photoshop image resource block."""

    signature: bytes
    rid: int
    name: bytes
    data: bytes

    def to_bytes(self) -> bytes:
        """Serialised block, with the Pascal name and the data padded to even lengths."""
        name = bytes([len(self.name)]) + self.name
        if len(name) % 2:
            name += b"\x00"
        data = self.data + (b"\x00" if len(self.data) % 2 else b"")
        return self.signature + struct.pack(">H", self.rid) + name + struct.pack(">I", len(self.data)) + data


def parse_resources(irb: bytes) -> list[Resource]:
    """Parse concatenated Photoshop image resource blocks; stops quietly at trailing garbage."""
    out: list[Resource] = []
    pos = 0
    while pos + 12 <= len(irb):
        sig = irb[pos : pos + 4]
        if sig not in _IRB_SIGNATURES:
            break
        (rid,) = struct.unpack(">H", irb[pos + 4 : pos + 6])
        nlen = irb[pos + 6]
        name = irb[pos + 7 : pos + 7 + nlen]
        pos += 6 + 1 + nlen + ((1 + nlen) % 2)
        if pos + 4 > len(irb):
            break
        (size,) = struct.unpack(">I", irb[pos : pos + 4])
        pos += 4
        if pos + size > len(irb):
            break
        out.append(Resource(sig, rid, name, irb[pos : pos + size]))
        pos += size + (size % 2)
    return out


def digest_state(app13: list[bytes]) -> str:
    """``absent``, ``current`` or ``stale``: the Photoshop IPTC digest against the IIM block it covers."""
    resources = parse_resources(b"".join(app13))
    iptc = next((r for r in resources if r.rid == IRB_IPTC), None)
    digest = next((r for r in resources if r.rid == IRB_DIGEST), None)
    if digest is None or iptc is None:
        return "absent"
    return "current" if hashlib.md5(iptc.data).digest() == digest.data else "stale"


def segments(data: bytes) -> Iterator[tuple[int, int, int]]:
    """The segments of a JPEG in memory up to its image data, as (marker code, start, end) byte offsets;
    the payload is ``data[start + 4 : end]``."""
    if not data.startswith(b"\xff\xd8"):
        raise JpegError("not a JPEG file")
    pos = 2
    while True:
        if pos + 2 > len(data) or data[pos] != 0xFF:
            raise JpegError("corrupt JPEG segment marker")
        code = data[pos + 1]
        if code in _STANDALONE:
            pos += 2
            continue
        if code in (0xDA, 0xD9):
            return
        if pos + 4 > len(data):
            raise JpegError("JPEG ends inside a segment")
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        end = pos + 2 + length
        if length < 2 or end > len(data):
            raise JpegError("corrupt JPEG segment length")
        yield code, pos, end
        pos = end


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def fix_iptc_digest(data: bytes) -> bytes:
    """Return `data` (a JPEG) with its Photoshop IPTC digest made current, or removed when there is no IIM.

    A file with IIM but no digest gets one, as Photoshop and ExifTool do, so MWG readers know XMP is in step.
    """
    spans: list[tuple[int, int]] = []  # (start, end) of each Photoshop APP13 segment
    payloads: list[bytes] = []
    for code, start, end in segments(data):
        if code == 0xED and data.startswith(PHOTOSHOP_HEADER, start + 4):
            spans.append((start, end))
            payloads.append(data[start + 4 + len(PHOTOSHOP_HEADER) : end])
    if not spans:
        return data
    irb = fixed_resources(b"".join(payloads))
    if irb is None:
        return data
    chunk = _MAX_SEGMENT_PAYLOAD - len(PHOTOSHOP_HEADER)
    rebuilt = b"".join(
        _segment(0xED, PHOTOSHOP_HEADER + irb[i : i + chunk]) for i in range(0, max(len(irb), 1), chunk)
    )
    view = memoryview(data)
    pieces: list[bytes | memoryview] = [view[: spans[0][0]], rebuilt]
    for (_, end), nxt in zip(spans, [*spans[1:], None], strict=True):
        pieces.append(view[end : nxt[0] if nxt else None])
    return b"".join(pieces)


def fixed_resources(irb: bytes) -> bytes | None:
    """Photoshop image resources with the IPTC digest made current (added when missing, removed without IIM);
    None when they are right already."""
    resources = parse_resources(irb)
    iptc = next((r for r in resources if r.rid == IRB_IPTC), None)
    new_digest = hashlib.md5(iptc.data).digest() if iptc is not None else None
    changed = False
    kept: list[Resource] = []
    have_digest = False
    for res in resources:
        if res.rid == IRB_DIGEST:
            if new_digest is None or have_digest:
                changed = True
                continue
            have_digest = True
            if res.data != new_digest:
                res = Resource(res.signature, res.rid, res.name, new_digest)
                changed = True
        kept.append(res)
    if new_digest is not None and not have_digest:
        kept.append(Resource(b"8BIM", IRB_DIGEST, b"", new_digest))
        changed = True
    return b"".join(r.to_bytes() for r in kept) if changed else None


def fix_psd_iptc_digest(data: bytes) -> bytes:
    """:func:`fix_iptc_digest` for a Photoshop document (its image resources section follows the header and
    the colour mode data)."""
    if data[:4] != b"8BPS" or len(data) < 34:
        return data
    (mode_len,) = struct.unpack(">I", data[26:30])
    at = 30 + mode_len
    (irb_len,) = struct.unpack(">I", data[at : at + 4])
    irb = fixed_resources(data[at + 4 : at + 4 + irb_len])
    if irb is None:
        return data
    return b"".join((data[:at], struct.pack(">I", len(irb)), irb, data[at + 4 + irb_len :]))


def assemble_extended_xmp(segments: list[bytes]) -> bytes | None:
    """Reassemble extended XMP (GUID, full length, offset, chunk per segment) into one packet."""
    if not segments:
        return None
    by_guid: dict[bytes, dict[int, bytes]] = {}
    lengths: dict[bytes, int] = {}
    for seg in segments:
        if len(seg) < 40:
            continue
        guid = seg[:32]
        total, offset = struct.unpack(">II", seg[32:40])
        lengths[guid] = total
        by_guid.setdefault(guid, {})[offset] = seg[40:]
    for guid, chunks in by_guid.items():
        buf = b"".join(chunks[o] for o in sorted(chunks))
        if len(buf) == lengths[guid]:
            return buf
    return None


MPF_HEADER = b"MPF\x00"
_MP_ENTRY_TAG = 0xB002


def _mpf_entries(data: bytes) -> tuple[int, str, int, int] | None:
    """Where the MP entry table of a JPEG's MPF (APP2) index is: (TIFF header offset, byte order, table offset,
    entry count), or None when there is no well-formed MPF index before the image data."""
    try:
        found = [start for code, start, _ in segments(data) if code == 0xE2 and data.startswith(MPF_HEADER, start + 4)]
    except JpegError:
        return None
    if not found:
        return None
    tiff = found[0] + 4 + len(MPF_HEADER)
    order = {b"II": "<", b"MM": ">"}.get(data[tiff : tiff + 2])
    if order is None:
        return None
    (ifd,) = struct.unpack(order + "I", data[tiff + 4 : tiff + 8])
    pos = tiff + ifd
    (count,) = struct.unpack(order + "H", data[pos : pos + 2])
    for i in range(count):
        tag, _typ, n, value = struct.unpack(order + "HHII", data[pos + 2 + 12 * i : pos + 14 + 12 * i])
        if tag == _MP_ENTRY_TAG and n % 16 == 0 and tiff + value + n <= len(data):
            return tiff, order, tiff + value, n // 16
    return None


def fix_mpf(old: bytes, new: bytes, old_sos: int, new_sos: int) -> bytes:
    """Keep a multi-picture JPEG's MPF index pointing at its secondary pictures after the header changed.

    MPF offsets count from the MPF segment's TIFF header, and the pictures they point to sit after the primary
    image's EOI, which moved with the image data by ``new_sos - old_sos``. The primary entry's size changes by
    the same amount. Nothing changes for a JPEG without MPF.
    """
    before, after = _mpf_entries(old), _mpf_entries(new)
    if before is None or after is None:
        return new
    old_tiff, order, _, n = before
    new_tiff, order_new, table, n_new = after
    if (order, n) != (order_new, n_new):
        return new
    shift = new_sos - old_sos
    out = bytearray(new)
    for i in range(n):
        at = table + 16 * i
        attr, size, offset = struct.unpack(order + "III", out[at : at + 12])
        if offset == 0:  # the primary image: its size grows or shrinks with the header
            size = max(0, size + shift) if size else size
        else:
            offset = old_tiff + offset + shift - new_tiff
        out[at : at + 12] = struct.pack(order + "III", attr, size, offset)
    return bytes(out)


def iim_datasets(block: bytes) -> list[tuple[int, int, bytes]]:
    """The datasets of an IIM block, in order, as (record, dataset number, raw bytes)."""
    out: list[tuple[int, int, bytes]] = []
    pos = 0
    while pos + 5 <= len(block) and block[pos] == 0x1C:
        record, number = block[pos + 1], block[pos + 2]
        (size,) = struct.unpack(">H", block[pos + 3 : pos + 5])
        pos += 5
        if size & 0x8000:  # extended dataset: the length is in the next (size & 0x7FFF) bytes
            width = size & 0x7FFF
            size = int.from_bytes(block[pos : pos + width], "big")
            pos += width
        out.append((record, number, block[pos : pos + size]))
        pos += size
    return out


def iim_block(app13: list[bytes]) -> bytes | None:
    """The IIM block (Photoshop resource 0x0404) of a JPEG's APP13 segments."""
    resources = parse_resources(b"".join(app13))
    return next((r.data for r in resources if r.rid == IRB_IPTC), None)
