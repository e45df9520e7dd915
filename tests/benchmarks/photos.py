"""Photo-sized captioned JPEGs for benchmarks: 1600×1067 pixels, about 400 KB, deterministic by seed.

Each picture looks like a newsroom file straight out of a photo desk: a camera's EXIF (make, model, exposure,
date, ImageDescription / Artist / Copyright), an sRGB ICC profile, IPTC IIM declared UTF-8 with a current
Photoshop IPTC digest, and XMP carrying the same caption, byline, credit, copyright, keywords and place —
captions in Vietnamese and Chinese. The metadata is written with python-exiv2 directly (not through
Captioner's engine, which is what the benchmarks measure); only the digest is computed here by hand.

Usage (``tests/`` is not a package: put this folder on ``sys.path``, as a script in it has)::

    sys.path.insert(0, "tests/benchmarks")
    from photos import make_photos, photo_bytes
    paths = make_photos(folder, 200, seed=0)   # bna_0000.jpg … bna_0199.jpg
    data = photo_bytes(7)                      # one picture's bytes

Pixels are drawn for a few distinct scenes (``SCENES``) and reused; metadata differs for every seed.
"""

from __future__ import annotations

import hashlib
import io
import random
import struct
from functools import lru_cache
from pathlib import Path

import exiv2
from PIL import Image, ImageCms, ImageDraw

WIDTH, HEIGHT = 1600, 1067
QUALITY = 84
"""JPEG quality that puts the drawn scenes at roughly 400 KB."""
SCENES = 8
"""Distinct pixel contents; seed N uses scene N % SCENES."""

PHOTOGRAPHERS = (
    ("Nguyễn Thanh Hà", "Phóng viên ảnh", "BNA"),
    ("Trần Đức Đồng", "Phóng viên", "TTXVN"),
    ("Lê Minh Quân", "Phóng viên ảnh", "VnExpress"),
    ("清强", "摄影记者", "新华社"),
    ("王曦", "记者", "中新社"),
    ("Phạm Thị Ngọc Ánh", "Cộng tác viên", "BNA"),
)
PLACES = (
    ("Hà Nội", "Hoàn Kiếm", "Hà Nội", "Việt Nam", "VNM"),
    ("Thành phố Hồ Chí Minh", "Quận 1", "TP. Hồ Chí Minh", "Việt Nam", "VNM"),
    ("Đà Nẵng", "Sơn Trà", "Đà Nẵng", "Việt Nam", "VNM"),
    ("北京", "天安门广场", "北京市", "中国", "CHN"),
    ("上海", "外滩", "上海市", "中国", "CHN"),
)
CAPTIONS_VI = (
    "Người dân {city} tham gia lễ hội đường phố nhân dịp Tết Nguyên đán, ngày {day} tháng {month} năm {year}. "
    "Hàng nghìn du khách đổ về khu vực {sub} để xem bắn pháo hoa và các tiết mục văn nghệ truyền thống.",
    "Thủ tướng Chính phủ phát biểu tại hội nghị tổng kết công tác năm {year} ở {city}. "
    "Hội nghị có sự tham dự của đại diện các bộ, ngành và địa phương trên cả nước.",
    "Công nhân làm việc trên công trường xây dựng tuyến metro số 2 tại {sub}, {city}, sáng {day}/{month}/{year}. "
    "Dự án dự kiến hoàn thành vào cuối năm sau, giúp giảm ùn tắc giao thông ở khu vực trung tâm.",
    "Nông dân thu hoạch lúa đông xuân trên cánh đồng ở ngoại thành {city}. Năng suất vụ này ước đạt "
    "6,5 tấn/ha, cao hơn cùng kỳ năm trước.",
)
CAPTIONS_ZH = (
    "{day}日，游客在{city}{sub}参观游览。春节假期期间，各地旅游市场持续升温，"
    "文化和旅游部数据显示，国内出游人次和出游总花费均创历史同期新高。",
    "{year}年{month}月{day}日，工作人员在{city}一处物流中心分拣快递包裹。随着电商促销活动开展，快递业务量迎来高峰。",
    "{month}月{day}日，{city}举行迎新春文艺演出，演员们表演传统舞龙舞狮节目，吸引众多市民驻足观看。",
)
KEYWORDS = (
    ("Tết", "lễ hội", "du lịch", "văn hóa"),
    ("hội nghị", "chính phủ", "kinh tế"),
    ("giao thông", "metro", "xây dựng", "đô thị"),
    ("nông nghiệp", "lúa", "mùa vụ"),
    ("春节", "旅游", "文化"),
    ("物流", "快递", "电商"),
)
CAMERAS = (("Canon", "Canon EOS R5"), ("NIKON CORPORATION", "NIKON Z 9"), ("SONY", "ILCE-1"))


@lru_cache(maxsize=1)
def _icc_profile() -> bytes:
    """Pillow's built-in sRGB profile, as a camera or Photoshop would embed one."""
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


@lru_cache(maxsize=SCENES)
def _scene_jpeg(scene: int) -> bytes:
    """The pixels of one scene as a plain JPEG with an sRGB ICC profile (no other metadata)."""
    rng = random.Random(scene)
    lum = Image.linear_gradient("L").resize((WIDTH, HEIGHT))
    base = Image.merge(
        "RGB",
        (
            lum.rotate(rng.choice((0, 90, 180, 270))).resize((WIDTH, HEIGHT)),
            Image.radial_gradient("L").resize((WIDTH, HEIGHT)),
            lum.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
        ),
    )
    img = Image.blend(base, Image.effect_noise((WIDTH, HEIGHT), 40).convert("RGB"), 0.18)
    draw = ImageDraw.Draw(img)
    for _ in range(60):
        x, y = rng.randrange(WIDTH), rng.randrange(HEIGHT)
        box = [x, y, x + rng.randrange(20, 300), y + rng.randrange(20, 300)]
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=colour)
    img = Image.blend(img, Image.effect_noise((WIDTH, HEIGHT), 60).convert("RGB"), 0.1)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=QUALITY, icc_profile=_icc_profile())
    return out.getvalue()


def photo_fields(seed: int) -> dict[str, str | list[str]]:
    """The caption fields picture `seed` carries (Captioner field keys), in Vietnamese or Chinese."""
    rng = random.Random(1_000_003 * seed + 17)
    name, title, agency = rng.choice(PHOTOGRAPHERS)
    city, sub, state, country, code = rng.choice(PLACES)
    year, month, day = 2025, rng.randint(1, 12), rng.randint(1, 28)
    template = rng.choice(CAPTIONS_ZH if code == "CHN" else CAPTIONS_VI)
    caption = template.format(city=city, sub=sub, day=day, month=month, year=year)
    label = "图片" if code == "CHN" else "Ảnh"
    return {
        "caption": caption,
        "headline": caption.split("。")[0].split(". ")[0][:80],
        "byline": [name],
        "byline_title": title,
        "credit": f"{label}: {name}/{agency}",
        "source": agency,
        "copyright": f"© {year} {agency}",
        "keywords": list(rng.choice(KEYWORDS[4:] if code == "CHN" else KEYWORDS[:4])),
        "city": city,
        "sublocation": sub,
        "state": state,
        "country": country,
        "country_code": code,
        "date_created": f"{year}-{month:02d}-{day:02d}T{rng.randint(6, 20):02d}:{rng.randint(0, 59):02d}:00+07:00",
        "job_id": f"BNA-{year}{month:02d}{day:02d}-{seed:05d}",
    }


def _cut(text: str, limit: int) -> str:
    """`text` cut to `limit` UTF-8 bytes on a character boundary (IIM byte limits)."""
    return text.encode("utf-8")[:limit].decode("utf-8", errors="ignore")


def _add_iim(iptc: exiv2.IptcData, key: str, text: str, limit: int | None) -> None:
    """Append one IIM dataset (repeatable ones may be added several times), cut to its byte limit."""
    datum = exiv2.Iptcdatum(exiv2.IptcKey(key))
    datum.setValue(text if limit is None else _cut(text, limit))
    iptc.add(datum)


def _with_iptc_digest(data: bytes) -> bytes:
    """Add the Photoshop IPTC digest (IRB 0x0425) to the JPEG's APP13, as Photoshop and Photo Mechanic do."""
    start = data.index(b"\xff\xed")
    (length,) = struct.unpack(">H", data[start + 2 : start + 4])
    payload = data[start + 4 : start + 2 + length]
    header = b"Photoshop 3.0\x00"
    assert payload.startswith(header)
    irb = payload[len(header) :]
    pos = irb.index(b"8BIM\x04\x04")
    name_len = irb[pos + 6]
    pos += 6 + 1 + name_len + ((1 + name_len) % 2)
    (size,) = struct.unpack(">I", irb[pos : pos + 4])
    digest = hashlib.md5(irb[pos + 4 : pos + 4 + size]).digest()
    irb += b"8BIM\x04\x25\x00\x00" + struct.pack(">I", len(digest)) + digest
    new_payload = header + irb
    segment = b"\xff\xed" + struct.pack(">H", len(new_payload) + 2) + new_payload
    return data[:start] + segment + data[start + 2 + length :]


def photo_bytes(seed: int) -> bytes:
    """The bytes of captioned picture `seed`: ~400 KB, EXIF + ICC + IIM (UTF-8, digest) + XMP."""
    fields = photo_fields(seed)
    rng = random.Random(seed)
    image = exiv2.ImageFactory.open(_scene_jpeg(seed % SCENES))
    image.readMetadata()
    make, model = rng.choice(CAMERAS)
    date = str(fields["date_created"])
    exif_date = date[:10].replace("-", ":") + " " + date[11:19]
    exif = image.exifData()
    exif["Exif.Image.Make"] = make
    exif["Exif.Image.Model"] = model
    exif["Exif.Image.Orientation"] = exiv2.UShortValue(1)
    exif["Exif.Image.Software"] = "Photo Mechanic 6"
    exif["Exif.Image.ImageDescription"] = str(fields["caption"])
    exif["Exif.Image.Artist"] = "; ".join(fields["byline"])
    exif["Exif.Image.Copyright"] = str(fields["copyright"])
    exif["Exif.Photo.DateTimeOriginal"] = exif_date
    exif["Exif.Photo.OffsetTimeOriginal"] = date[19:]
    exif["Exif.Photo.ExposureTime"] = exiv2.URationalValue([(1, rng.choice((125, 250, 500, 1000)))])
    exif["Exif.Photo.FNumber"] = exiv2.URationalValue([(rng.choice((28, 40, 56, 80)), 10)])
    exif["Exif.Photo.ISOSpeedRatings"] = exiv2.UShortValue(rng.choice((100, 400, 1600, 6400)))
    exif["Exif.Photo.FocalLength"] = exiv2.URationalValue([(rng.choice((24, 35, 70, 200)), 1)])
    exif["Exif.Photo.PixelXDimension"] = exiv2.ULongValue(WIDTH)
    exif["Exif.Photo.PixelYDimension"] = exiv2.ULongValue(HEIGHT)

    iptc = image.iptcData()
    iptc["Iptc.Envelope.CharacterSet"] = "\x1b%G"
    for key, field_key, limit in (
        ("Iptc.Application2.Caption", "caption", 2000),
        ("Iptc.Application2.Headline", "headline", 256),
        ("Iptc.Application2.BylineTitle", "byline_title", 32),
        ("Iptc.Application2.Credit", "credit", 32),
        ("Iptc.Application2.Source", "source", 32),
        ("Iptc.Application2.Copyright", "copyright", 128),
        ("Iptc.Application2.City", "city", 32),
        ("Iptc.Application2.SubLocation", "sublocation", 32),
        ("Iptc.Application2.ProvinceState", "state", 32),
        ("Iptc.Application2.CountryName", "country", 64),
        ("Iptc.Application2.CountryCode", "country_code", 3),
        ("Iptc.Application2.TransmissionReference", "job_id", 32),
    ):
        _add_iim(iptc, key, str(fields[field_key]), limit)
    for name in fields["byline"]:
        _add_iim(iptc, "Iptc.Application2.Byline", name, 32)
    for word in fields["keywords"]:
        _add_iim(iptc, "Iptc.Application2.Keywords", word, 64)
    _add_iim(iptc, "Iptc.Application2.DateCreated", date[:10], None)
    _add_iim(iptc, "Iptc.Application2.TimeCreated", date[11:], None)

    xmp = image.xmpData()
    for lang_alt, key in (("Xmp.dc.description", "caption"), ("Xmp.dc.rights", "copyright")):
        value = exiv2.LangAltValue()
        value.read(f'lang="x-default" {fields[key]}')
        xmp.add(exiv2.XmpKey(lang_alt), value)
    for tag, key, kind in (("Xmp.dc.creator", "byline", "seq"), ("Xmp.dc.subject", "keywords", "bag")):
        array = exiv2.XmpArrayValue(exiv2.TypeId.xmpSeq if kind == "seq" else exiv2.TypeId.xmpBag)
        for item in fields[key]:
            array.read(item)
        xmp.add(exiv2.XmpKey(tag), array)
    for tag, key in (
        ("Xmp.photoshop.Headline", "headline"),
        ("Xmp.photoshop.AuthorsPosition", "byline_title"),
        ("Xmp.photoshop.Credit", "credit"),
        ("Xmp.photoshop.Source", "source"),
        ("Xmp.photoshop.City", "city"),
        ("Xmp.iptc.Location", "sublocation"),
        ("Xmp.photoshop.State", "state"),
        ("Xmp.photoshop.Country", "country"),
        ("Xmp.iptc.CountryCode", "country_code"),
        ("Xmp.photoshop.DateCreated", "date_created"),
        ("Xmp.photoshop.TransmissionReference", "job_id"),
    ):
        xmp[tag] = str(fields[key])
    image.writeMetadata()
    io_ = image.io()
    view = io_.mmap()
    try:
        data = bytes(view)
    finally:
        del view
        io_.munmap()
    return _with_iptc_digest(data)


def make_photos(folder: Path, count: int, seed: int = 0, prefix: str = "bna_") -> list[Path]:
    """Write `count` captioned pictures ``<prefix>NNNN.jpg`` into `folder` (seeds seed … seed+count-1)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        path = folder / f"{prefix}{i:04d}.jpg"
        path.write_bytes(photo_bytes(seed + i))
        paths.append(path)
    return paths
