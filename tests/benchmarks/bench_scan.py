"""``captioner scan`` against ExifTool reading the same fields, the unchanged rescan, and memory on 10,000 files.

    .venv/bin/python tests/benchmarks/bench_scan.py [--files 1000] [--rss-files 10000] [--repeat 3] [--keep DIR]

* first scan: ``captioner scan DIR`` of N photo-sized captioned JPEGs (``photos.py``) into a fresh catalogue,
  against ``exiftool -json -fast`` reading every tag of every field (EXIF, IIM and XMP) from the same folder.
  Both are fresh processes (start-up included); best of ``--repeat``. The in-process time of
  :func:`captioner.scan.scan` is printed too. Target: at least 10× faster than ExifTool.
* rescan: the same command again on the now full catalogue (nothing changed). Target: at least 10× faster than
  the first scan.
* memory: peak resident memory of ``captioner scan`` over M files (the N distinct pictures hard-linked into
  M / N folders, so no extra disk is used), sampled every 20 ms from /proc: the main process, and the main
  process plus its reader processes together. Target: under 200 MB.

Prints a line for the README; exit status 1 when a target is missed. Not collected by pytest.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from photos import make_photos

from captioner.fields import FIELDS

SCAN_TARGET, RESCAN_TARGET, RSS_LIMIT_MB = 10.0, 10.0, 200.0


def exiftool_tags() -> list[str]:
    """ExifTool tag arguments for every tag that carries a Captioner field."""
    tags = set()
    for f in FIELDS:
        if f.xmp:
            _, group, name = f.xmp.split(".")
            tags.add(f"-XMP-{group}:{name}")
        tags.update(f"-IPTC:{k.split('.')[-1]}" for k in f.iim)
        if f.exif:
            tags.add(f"-EXIF:{f.exif.split('.')[-1]}")
    return sorted(tags)


def timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def fresh(path: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return path


def photos_in(folder: Path, count: int) -> Path:
    """`folder` holding `count` pictures, generated unless a previous --keep run left them."""
    if len(list(folder.glob("bna_*.jpg"))) != count:
        shutil.rmtree(folder, ignore_errors=True)
        print(f"generating {count} photo-sized JPEGs in {folder} …", flush=True)
        make_photos(folder, count)
    return folder


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                kids += [int(k) for k in fh.read().split()]
    except OSError:
        pass
    return kids


def peak_rss(cmd: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Run `cmd`; return its wall time and peak RSS in MB of the main process and of the whole process tree."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    main_peak = tree_peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal main_peak, tree_peak
        while not done.is_set():
            main = _rss_kb(proc.pid)
            main_peak = max(main_peak, main)
            tree_peak = max(tree_peak, main + sum(_rss_kb(k) for k in _children(proc.pid)))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    proc.wait()
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed with status {proc.returncode}")
    return time.perf_counter() - start, main_peak / 1024, tree_peak / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--rss-files", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="generate the pictures here and keep them for the next run")
    args = parser.parse_args()
    if shutil.which("exiftool") is None:
        raise SystemExit("exiftool is not installed")

    work = args.keep or Path(tempfile.mkdtemp(prefix="captioner-bench-scan-"))
    try:
        folder = photos_in(work / "photos", args.files)
        env = {**os.environ, "LC_ALL": "C.UTF-8"}
        captioner = [sys.executable, "-m", "captioner", "scan", str(folder)]
        exiftool = ["exiftool", "-json", "-fast", "-G1", "-charset", "iptc=UTF8", *exiftool_tags(), str(folder)]
        subprocess.run(exiftool, env=env, check=True, capture_output=True)  # warm the page cache

        theirs, ours, rescans, in_process, in_process_rescans = [], [], [], [], []
        for _ in range(args.repeat):
            theirs.append(timed(exiftool, env))
            catalogue = fresh(work / "catalogue.sqlite")
            run_env = {**env, "CAPTIONER_CATALOGUE": str(catalogue)}
            ours.append(timed(captioner, run_env))
            rescans.append(timed(captioner, run_env))
            first_s, again_s = _scan_in_process(folder, fresh(work / "in-process.sqlite"))
            in_process.append(first_s)
            in_process_rescans.append(again_s)

        rss = None
        if args.rss_files:
            big = work / "many"
            if len(list(big.rglob("*.jpg"))) != args.rss_files:
                shutil.rmtree(big, ignore_errors=True)
                sources = sorted(folder.glob("bna_*.jpg"))
                for i in range(args.rss_files):
                    target = big / f"set{i // len(sources):03d}" / sources[i % len(sources)].name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    os.link(sources[i % len(sources)], target)
            catalogue = fresh(work / "many.sqlite")
            rss = peak_rss(
                [sys.executable, "-m", "captioner", "scan", str(big)], {**env, "CAPTIONER_CATALOGUE": str(catalogue)}
            )
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)

    exiftool_version = subprocess.run(["exiftool", "-ver"], capture_output=True, text=True).stdout.strip()
    print(f"Python {platform.python_version()}, ExifTool {exiftool_version}, {os.cpu_count()} CPUs")
    first, other, again = min(ours), min(theirs), min(rescans)
    scan_ratio, rescan_ratio = other / first, first / again
    print(f"{args.files} files, best of {args.repeat}:")
    rows = [
        ("exiftool -json -fast (every field tag)", other, ""),
        ("captioner scan, fresh catalogue", first, f"{scan_ratio:5.1f}× faster (target ≥ {SCAN_TARGET:.0f}×)"),
        ("  of which scan() itself", min(in_process), f"{other / min(in_process):5.1f}× faster"),
        ("captioner scan, nothing changed", again, f"{rescan_ratio:5.1f}× faster than the first scan (target ≥ 10×)"),
        ("  of which scan() itself", min(in_process_rescans), f"{min(in_process) / min(in_process_rescans):5.0f}×"),
    ]
    for label, seconds, note in rows:
        print(f"  {label:40}{seconds:7.3f} s   {note}")
    ok = scan_ratio >= SCAN_TARGET and rescan_ratio >= RESCAN_TARGET
    if rss is not None:
        seconds, main_mb, tree_mb = rss
        print(
            f"  {args.rss_files} files: {seconds:.1f} s, peak RSS {main_mb:.0f} MB main process, "
            f"{tree_mb:.0f} MB with its readers  (limit {RSS_LIMIT_MB:.0f} MB)"
        )
        ok = ok and tree_mb < RSS_LIMIT_MB
    print(
        f"\nREADME: `captioner scan` indexes {args.files} photo-sized captioned JPEGs into a fresh catalogue in "
        f"{first:.2f} s, {scan_ratio:.1f}× faster than `exiftool -json -fast` reading the same fields ({other:.2f} s); "
        f"an unchanged rescan takes {again:.2f} s ({rescan_ratio:.0f}× faster than the first scan)."
        + (f" Scanning {args.rss_files} files peaks at {rss[2]:.0f} MB RSS." if rss else "")
    )
    return 0 if ok else 1


def _scan_in_process(folder: Path, catalogue_path: Path) -> tuple[float, float]:
    """Seconds :func:`captioner.scan.scan` takes for a first scan and a rescan, in a fresh process (start-up and
    imports excluded)."""
    code = (
        "import sys, time\n"
        "from captioner.catalogue import Catalogue\n"
        "from captioner.scan import scan\n"
        "import captioner.reading\n"
        "times = []\n"
        "with Catalogue.open(sys.argv[2]) as c:\n"
        "    for _ in range(2):\n"
        "        start = time.perf_counter()\n"
        "        scan(c, [sys.argv[1]])\n"
        "        times.append(time.perf_counter() - start)\n"
        "print(*times)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(folder), str(catalogue_path)], check=True, capture_output=True, text=True
    )
    first, again = (float(t) for t in out.stdout.split())
    return first, again


if __name__ == "__main__":
    sys.exit(main())
