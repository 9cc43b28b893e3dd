"""Small helpers shared by the benchmark scripts: statistics, tables, JSON output."""

from __future__ import annotations

import json
import logging
import math
import os
import platform
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

OUT_DIR = Path(__file__).resolve().parent / "out"


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) with linear interpolation between closest ranks."""
    if not values:
        return math.nan
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * q / 100.0
    low = math.floor(rank)
    high = math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summary_ms(seconds: Sequence[float]) -> dict[str, float]:
    """p50, p95, max and mean of durations given in seconds, as milliseconds."""
    ms = [s * 1000.0 for s in seconds]
    return {
        "n": float(len(ms)),
        "p50_ms": percentile(ms, 50),
        "p95_ms": percentile(ms, 95),
        "max_ms": max(ms) if ms else math.nan,
        "mean_ms": sum(ms) / len(ms) if ms else math.nan,
    }


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A plain fixed-width table on stdout."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        for i, value in enumerate(row):
            widths[i] = max(widths[i], len(value))
    line = "  ".join(h.ljust(widths[i]) for i, h in enumerate(headers))
    print(line)
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print("  ".join(v.rjust(widths[i]) if _numeric(v) else v.ljust(widths[i])
                        for i, v in enumerate(row)))


def _cell(value: Any) -> str:
    """Format one table cell."""
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        return f"{value:,.1f}" if abs(value) >= 100 else f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _numeric(text: str) -> bool:
    """Whether a formatted cell looks like a number (right-aligned)."""
    return text.replace(",", "").replace(".", "").replace("-", "").replace("x", "").isdigit()


def environment() -> dict[str, Any]:
    """What machine and software produced the numbers."""
    import sqlite3

    import sqlalchemy
    import telegram

    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
        "python_telegram_bot": telegram.__version__,
        "sqlalchemy": sqlalchemy.__version__,
        "sqlite": sqlite3.sqlite_version,
        "git": git_state(),
    }


def git_state() -> str:
    """HEAD commit, and how many files differ from it (others may be editing the checkout)."""
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, check=True,
                              capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=root, check=True,
                               capture_output=True, text=True).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head} + {len(dirty)} changed file(s)" if dirty else head


class ErrorLimit(logging.Filter):
    """Lets the first few ERROR records through and counts the rest, to keep output readable."""

    def __init__(self, shown: int = 3) -> None:
        super().__init__()
        self.shown = shown
        self.errors = 0

    def filter(self, record: logging.LogRecord) -> bool:
        """Pass non-errors; pass errors until `shown` were printed."""
        if record.levelno < logging.ERROR:
            return True
        self.errors += 1
        return self.errors <= self.shown


def setup_logging() -> ErrorLimit:
    """WARNING and above on stderr, at most a few error tracebacks; returns the counter."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    limit = ErrorLimit()
    for handler in logging.getLogger().handlers:
        handler.addFilter(limit)
    return limit


def report_problems(problems: list[str], errors: ErrorLimit, shown: int = 10) -> int:
    """Print problems (a few) and logged errors to stderr; the exit status to use."""
    if errors.errors > errors.shown:
        print(f"({errors.errors - errors.shown} more ERROR log records were not shown)", file=sys.stderr)
    if errors.errors:
        problems = [*problems, f"the bot logged {errors.errors} error(s)"]
    if not problems:
        return 0
    print(f"\n{len(problems)} problem(s):", file=sys.stderr)
    for problem in problems[:shown]:
        print(f"  {problem}", file=sys.stderr)
    if len(problems) > shown:
        print(f"  ... and {len(problems) - shown} more (all in the JSON file)", file=sys.stderr)
    return 1


def write_json(name: str, payload: dict[str, Any]) -> Path:
    """Write benchmarks/out/<name>.json and return its path."""
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    path = OUT_DIR / f"{name}.json"
    document = {"benchmark": name, "environment": environment(), **payload}
    path.write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")
    return path


def redact_url(url: str) -> str:
    """A database URL without its password, for printing."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
