"""Captioner's metadata engine against ExifTool, side by side in one run.

    .venv/bin/python tests/benchmarks/bench_metadata.py [--set-files 200] [--show-files 1000] [--repeat 3]

* ``set``: ``captioner set`` of caption + byline + credit + copyright on N photo-sized JPEGs (one command,
  every write verified by re-reading) against one ``exiftool -overwrite_original`` command writing the same
  IIM / XMP / EXIF tags to copies of the same files — one process for all files is ExifTool at its fastest.
* ``show``: ``captioner show --json`` against ``exiftool -json`` on M files.

Both sides run as fresh processes (start-up included), best of ``--repeat`` runs, on fresh copies for each
``set`` run. Prints the ratios against the targets (set ≥ 4×, show ≥ 20×) and a line for the README.
Not collected by pytest (the file name does not start with ``test_``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from photos import make_photos

CAPTION = "Người dân Hà Nội xem bắn pháo hoa đón năm mới 2026 bên hồ Hoàn Kiếm. 市民在还剑湖边观看新年烟花。"
BYLINE = "Nguyễn Thanh Hà"
CREDIT = "Ảnh: Thanh Hà/BNA"
COPYRIGHT = "© 2026 Báo Nghệ An"
SET_TARGET, SHOW_TARGET = 4.0, 20.0


def captioner_cmd(*args: str) -> list[str]:
    """The ``captioner`` command line run by this interpreter."""
    return [sys.executable, "-m", "captioner", *args]


def exiftool_set_cmd(files: list[Path]) -> list[str]:
    """ExifTool writing the tags ``captioner set`` writes for caption, byline, credit and copyright."""
    tags = {
        "IPTC:Caption-Abstract": CAPTION,
        "XMP-dc:Description": CAPTION,
        "EXIF:ImageDescription": CAPTION,
        "IPTC:By-line": BYLINE,
        "XMP-dc:Creator": BYLINE,
        "EXIF:Artist": BYLINE,
        "IPTC:Credit": CREDIT,
        "XMP-photoshop:Credit": CREDIT,
        "IPTC:CopyrightNotice": COPYRIGHT,
        "XMP-dc:Rights": COPYRIGHT,
        "EXIF:Copyright": COPYRIGHT,
        "IPTC:CodedCharacterSet": "UTF8",
    }
    return [
        "exiftool",
        "-q",
        "-overwrite_original",
        "-charset",
        "iptc=UTF8",
        *(f"-{tag}={value}" for tag, value in tags.items()),
        *map(str, files),
    ]


def timed(cmd: list[str], env: dict[str, str]) -> float:
    """Run `cmd` once; its wall time in seconds. Fails loudly if the command fails."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[0]} {cmd[1:3]} failed ({proc.returncode}): {proc.stderr.decode()[-2000:]}")
    return elapsed


def fresh_copies(sources: list[Path], folder: Path) -> list[Path]:
    """Copies of `sources` in an emptied `folder`."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    out = []
    for src in sources:
        dst = folder / src.name
        shutil.copyfile(src, dst)
        out.append(dst)
    return out


def check_written(files: list[Path], env: dict[str, str]) -> None:
    """Sanity check with ExifTool that the last `set` run really wrote the four fields to every file."""
    out = subprocess.run(
        [
            "exiftool",
            "-json",
            "-charset",
            "iptc=UTF8",
            "-Caption-Abstract",
            "-Description",
            "-Credit",
            *map(str, files),
        ],
        env=env,
        capture_output=True,
        check=True,
    )
    for item in json.loads(out.stdout):
        if item.get("Caption-Abstract") != CAPTION or item.get("Description") != CAPTION:
            raise SystemExit(f"{item['SourceFile']}: caption not written: {item}")
        if item.get("Credit") != CREDIT:
            raise SystemExit(f"{item['SourceFile']}: credit not written: {item}")


def main() -> int:
    """Generate the photos, run both sides, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set-files", type=int, default=200)
    parser.add_argument("--show-files", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs per measurement")
    parser.add_argument("--keep", metavar="DIR", help="work in DIR and keep the files (default: a temp folder)")
    args = parser.parse_args()

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="captioner-bench-"))
    env = {**os.environ, "LC_ALL": "C.UTF-8", "CAPTIONER_CATALOGUE": str(work / "no-catalogue.sqlite")}
    try:
        start = time.perf_counter()
        originals = make_photos(work / "originals", max(args.set_files, args.show_files))
        size = sum(p.stat().st_size for p in originals) / len(originals)
        print(
            f"generated {len(originals)} JPEGs 1600x1067, mean {size / 1024:.0f} KiB, "
            f"in {time.perf_counter() - start:.1f} s ({work})"
        )
        exiftool_version = subprocess.run(["exiftool", "-ver"], capture_output=True, text=True).stdout.strip()
        print(f"Python {platform.python_version()}, ExifTool {exiftool_version}, {os.cpu_count()} CPUs")

        set_sources = originals[: args.set_files]
        ours_set, theirs_set = [], []
        for _ in range(args.repeat):
            files = fresh_copies(set_sources, work / "set-captioner")
            cmd = captioner_cmd(
                "set", *map(str, files), "--caption", CAPTION, "--byline", BYLINE, "--credit", CREDIT,
                "--copyright", COPYRIGHT,
            )  # fmt: skip
            ours_set.append(timed(cmd, env))
            check_written(files, env)
            files = fresh_copies(set_sources, work / "set-exiftool")
            theirs_set.append(timed(exiftool_set_cmd(files), env))
            check_written(files, env)

        show_files = list(map(str, originals[: args.show_files]))
        ours_show, theirs_show = [], []
        for _ in range(args.repeat):
            ours_show.append(timed(captioner_cmd("show", "--json", *show_files), env))
            theirs_show.append(timed(["exiftool", "-json", *show_files], env))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    set_ratio = min(theirs_set) / min(ours_set)
    show_ratio = min(theirs_show) / min(ours_show)
    n_set, n_show = args.set_files, args.show_files
    print()
    print(f"{'':34}{'captioner':>12}{'exiftool':>12}{'ratio':>9}  target")
    print(
        f"{f'set, {n_set} files (verified)':34}{min(ours_set):>11.2f}s{min(theirs_set):>11.2f}s"
        f"{set_ratio:>8.1f}x  >= {SET_TARGET:.0f}x {'ok' if set_ratio >= SET_TARGET else 'MISSED'}"
    )
    print(
        f"{f'show --json, {n_show} files':34}{min(ours_show):>11.2f}s{min(theirs_show):>11.2f}s"
        f"{show_ratio:>8.1f}x  >= {SHOW_TARGET:.0f}x {'ok' if show_ratio >= SHOW_TARGET else 'MISSED'}"
    )
    print(f"(best of {args.repeat}; per file: set {1000 * min(ours_set) / n_set:.1f} ms vs "
          f"{1000 * min(theirs_set) / n_set:.1f} ms, show {1000 * min(ours_show) / n_show:.2f} ms vs "
          f"{1000 * min(theirs_show) / n_show:.2f} ms)")  # fmt: skip
    print()
    print("README line:")
    print(
        f"`captioner set` (caption, byline, credit, copyright; every write verified) on {n_set} photo-sized JPEGs: "
        f"{min(ours_set):.2f} s against {min(theirs_set):.2f} s for one `exiftool -overwrite_original` command "
        f"({set_ratio:.1f}× faster); `captioner show --json` on {n_show} files: {min(ours_show):.2f} s against "
        f"{min(theirs_show):.2f} s for `exiftool -json` ({show_ratio:.0f}× faster)."
    )
    return 0 if set_ratio >= SET_TARGET and show_ratio >= SHOW_TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
