"""Certificate PDF benchmark: render speed, size, and a 1 000-certificate ZIP export.

    .venv/bin/python bench/bench_certificates.py [--count 200] [--zip-count 1000]

1. renders one certificate cold (font registration, first subsets), then warms up;
2. renders --count certificates (nb, en and uk in turn, every one with its own name, serial,
   verification code and URL) and reports the median and 90th percentile wall time, the
   median CPU time and the mean and largest size;
3. streams --zip-count certificates into a ZIP file in a temporary directory (ZIP_STORED: the
   PDFs are compressed already) and reports the total time and the peak RSS after the first
   100 and at the end, which shows that memory does not grow with the number of certificates.

Prints a Markdown report on stdout (bench/run.py includes it in docs/benchmarks.md); progress
goes to stderr. Absolute figures drift between machines and with load from other processes:
the CPU-time column is the one to compare when the machine is busy.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import reportlab  # noqa: E402

from lms.certificates.pdf import render_certificate, sample_snapshot  # noqa: E402

TARGET_MS = 15.0
TARGET_KB = 80.0
VERIFY_BASE = "https://kurs.example.no/verify/"
NAMES = {
    "nb": ["Bjørn Ødegård", "Kari Nordmann", "Åse Kristiansen-Bø", "Anne-Marie Kristiansen-Bjørnstad Ødegård"],
    "en": ["Daniel O'Connor", "Sarah Whitfield", "Tomasz Nowak", "Priya Raman"],
    "uk": ["Олена Коваленко", "Андрій Шевченко", "Юлія Бондаренко-Ткачук", "Ігор Мельник"],
}
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"       # as lms.certificates.operations: 20 characters


def say(message: str) -> None:
    print(f"[certificates {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def code_for(i: int) -> str:
    """A verification code as the platform prints it: 7K3M-Q9TX-2HVB-WD4R-8N5P."""
    n = int.from_bytes(hashlib.sha256(str(i).encode()).digest()[:13], "big")
    chars = []
    for _ in range(20):
        n, r = divmod(n, 32)
        chars.append(CROCKFORD[r])
    return "-".join("".join(chars[k:k + 4]) for k in range(0, 20, 4))


def certificate(i: int) -> tuple[dict, str]:
    """The i-th certificate of a realistic mix: nb, en and uk in turn, all fields unique."""
    language = ("nb", "en", "uk")[i % 3]
    snapshot = sample_snapshot(language)
    names = NAMES[language]
    snapshot["participant_name"] = names[(i // 3) % len(names)]
    snapshot["serial"] = f"HMS-2026-{i + 1:06d}"
    snapshot["verification_code"] = code_for(i + 1)
    return snapshot, VERIFY_BASE + snapshot["verification_code"]


def rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / (1024 * 1024)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=200, help="certificates timed one by one (default 200)")
    parser.add_argument("--zip-count", type=int, default=1000, help="certificates in the ZIP (default 1000)")
    parser.add_argument("--warmup", type=int, default=30, help="renders before timing (default 30)")
    args = parser.parse_args()

    load_before = os.getloadavg()
    snapshot, url = certificate(0)
    start = time.perf_counter()
    render_certificate(snapshot, verify_url=url)
    cold_ms = (time.perf_counter() - start) * 1000

    say(f"warming up ({args.warmup} renders)")
    for i in range(args.warmup):
        snapshot, url = certificate(10_000 + i)
        render_certificate(snapshot, verify_url=url)

    say(f"rendering {args.count} certificates")
    wall, cpu, sizes = [], [], []
    for i in range(args.count):
        snapshot, url = certificate(i)
        w0, c0 = time.perf_counter(), time.process_time()
        pdf = render_certificate(snapshot, verify_url=url)
        cpu.append((time.process_time() - c0) * 1000)
        wall.append((time.perf_counter() - w0) * 1000)
        sizes.append(len(pdf) / 1024)

    say(f"writing a ZIP of {args.zip_count} certificates")
    rss_start = rss_mb()
    rss_at_100 = None
    with tempfile.TemporaryDirectory(prefix="bench-certificates-") as tmp:
        target = Path(tmp) / "certificates.zip"
        start = time.perf_counter()
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED) as archive:
            for i in range(args.zip_count):
                snapshot, url = certificate(100_000 + i)
                archive.writestr(f"kursbevis-{snapshot['serial']}.pdf", render_certificate(snapshot, verify_url=url))
                if i + 1 == min(100, args.zip_count):
                    rss_at_100 = rss_mb()
        zip_seconds = time.perf_counter() - start
        zip_mb = target.stat().st_size / (1024 * 1024)
        with zipfile.ZipFile(target) as archive:
            entries = len(archive.namelist())
            bad = archive.testzip()
    rss_end = rss_mb()
    load_after = os.getloadavg()

    median_ms = statistics.median(wall)
    mean_kb = statistics.fmean(sizes)
    ok = "yes" if median_ms <= TARGET_MS else "no"
    print("# Certificate PDFs")
    print()
    print(f"{args.count} warm renders of a realistic mix (nb, en, uk bilingual with all six § 3-18 points), "
          "each with its own name, serial, code and URL; then a ZIP export.")
    print()
    print("| measure | figure | target |")
    print("|---|---|---|")
    print(f"| first render in the process (cold) | {cold_ms:.1f} ms | |")
    print(f"| warm render, median wall time | {median_ms:.1f} ms | ≤ {TARGET_MS:.0f} ms ({ok}) |")
    print(f"| warm render, 90th percentile wall time | {percentile(wall, 0.9):.1f} ms | |")
    print(f"| warm render, median CPU time | {statistics.median(cpu):.1f} ms | |")
    print(f"| certificates per second, one process | {1000 / statistics.fmean(wall):.0f} | |")
    print(f"| PDF size, mean / largest | {mean_kb:.1f} KB / {max(sizes):.1f} KB | ≤ {TARGET_KB:.0f} KB "
          f"({'yes' if max(sizes) <= TARGET_KB else 'no'}) |")
    print(f"| ZIP of {args.zip_count:,} certificates (ZIP_STORED, streamed to a file) | "
          f"{zip_seconds:.1f} s, {zip_mb:.1f} MB, {entries:,} entries{'' if bad is None else ', CORRUPT'} | |")
    print(f"| peak RSS: before the ZIP / after 100 / after {args.zip_count:,} | "
          f"{rss_start:.0f} MB / {rss_at_100 or 0:.0f} MB / {rss_end:.0f} MB | flat |")
    print()
    print(f"Python {platform.python_version()}, reportlab {reportlab.Version}, {os.cpu_count()} CPUs, "
          f"load average {load_before[0]:.2f} before and {load_after[0]:.2f} after.")
    return 0 if bad is None else 1


if __name__ == "__main__":
    raise SystemExit(main())
