"""What every benchmark in bench/ shares: percentiles, the machine and database it ran on, the git
revision, and writing bench/results/<name>.json and its table between markers in bench/README.md.

Plain Python: the Django parts take a database connection as an argument, so the load generator
(bench/locustfile.py) can use this module without setting Django up.
"""

import json
import os
import platform
import re
import statistics
import subprocess
import time
from datetime import UTC, datetime
from math import ceil
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
README = BENCH_DIR / "README.md"
RESULTS_DIR = BENCH_DIR / "results"


def percentile(ordered: list[float], q: float) -> float:
    """The q-th percentile of sorted values by nearest rank: a value that was measured, never interpolated."""
    return ordered[max(ceil(q / 100 * len(ordered)), 1) - 1]


def summarize(values: list[float]) -> dict[str, float | int]:
    """Count, median, 95th percentile and maximum, in milliseconds rounded to 0.01."""
    ordered = sorted(values)
    return {
        "n": len(ordered),
        "median_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(percentile(ordered, 95), 2),
        "max_ms": round(ordered[-1], 2),
    }


def latency(values: list[float]) -> dict[str, float | int]:
    """p50, p95, p99 and maximum of response times in milliseconds (nearest rank)."""
    ordered = sorted(values)
    if not ordered:
        return {"n": 0, "p50_ms": 0.0, "p95_ms": 0.0, "p99_ms": 0.0, "max_ms": 0.0}
    return {
        "n": len(ordered),
        "p50_ms": round(percentile(ordered, 50), 2),
        "p95_ms": round(percentile(ordered, 95), 2),
        "p99_ms": round(percentile(ordered, 99), 2),
        "max_ms": round(ordered[-1], 2),
    }


def git_revision() -> str:
    """The commit measured, "-dirty" when the code differs from it. The benchmarks' own results
    (bench/results/, the tables in bench/README.md) are left out: bench/run writes them one after another."""

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=BENCH_DIR, text=True, capture_output=True, check=True).stdout

    try:
        revision = git("rev-parse", "--short", "HEAD").strip()
        changed = git(
            "status",
            "--porcelain",
            "--untracked-files=no",
            "--",
            ":/",
            ":(top,exclude)bench/results",
            ":(top,exclude)bench/README.md",
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{revision}-dirty" if changed.strip() else revision


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def cpus() -> int:
    return len(os.sched_getaffinity(0))


def load_average() -> float:
    """The 1-minute load average: other work on the machine slows every figure, and this shows how much there was."""
    return round(os.getloadavg()[0], 2)


def cpu_times() -> list[int]:
    """The machine's CPU time counters from /proc/stat (user, nice, system, idle, iowait, irq, softirq,
    steal), or [] where there is none."""
    try:
        with open("/proc/stat") as f:
            return [int(n) for n in f.readline().split()[1:9]]
    except (OSError, ValueError):
        return []


def python_speed() -> float:
    """Milliseconds a fixed piece of pure Python takes here (best of 5): the same machine ran it up to
    1.5 times slower from one hour to the next (other virtual machines on its host), so runs are
    compared with it in mind."""
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        total = 0
        for i in range(300_000):
            total += i % 7 * (i & 15)
        best = min(best, time.perf_counter() - started)
    return round(best * 1000, 1)


def machine(load_before: float, cpu_before: list[int]) -> dict[str, Any]:
    """The machine, and how busy it was: the load average before and after, and the share of CPU time the
    hypervisor gave to other virtual machines meanwhile (steal), which slows every figure of a run."""
    spent = [after - before for before, after in zip(cpu_before, cpu_times(), strict=False)]
    return {
        "nproc": cpus(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "load_average_before": round(load_before, 2),
        "load_average_after": load_average(),
        "cpu_stolen": round(spent[7] / sum(spent), 3) if len(spent) == 8 and sum(spent) else None,
        "python_speed_ms": python_speed(),
    }


def busy(machine: dict[str, Any]) -> str:
    """How busy and how fast the machine was, for a table's heading."""
    text = f"load average {machine['load_average_before']:.1f} before, {machine['load_average_after']:.1f} after"
    stolen = machine.get("cpu_stolen")
    text += f"; {stolen:.0%} of CPU time stolen by the host" if stolen is not None else ""
    return text + (f"; reference loop {machine['python_speed_ms']:.0f} ms" if "python_speed_ms" in machine else "")


def database(connection: Any) -> dict[str, Any]:
    """Vendor, server version and name of a Django database connection."""
    from django.conf import settings

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server_version = cursor.fetchone()[0]
    return {
        "vendor": connection.vendor,
        "server_version": server_version,
        "name": connection.settings_dict["NAME"],
        "debug": settings.DEBUG,
    }


def write_result(name: str, document: dict) -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return path


def update_readme(name: str, table: str) -> None:
    """Replace the text between <!-- results:NAME:start --> and <!-- results:NAME:end --> in bench/README.md."""
    start, end = f"<!-- results:{name}:start -->", f"<!-- results:{name}:end -->"
    text = README.read_text()
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if not pattern.search(text):
        raise SystemExit(f"{name}: {README} lacks the markers {start} … {end}")
    README.write_text(pattern.sub(lambda _: f"{start}\n{table}\n{end}", text))
