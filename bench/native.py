"""Native side by side: `tokenlens summary --json` against DuckDB (2 threads) computing the
same figures (totals, exact percentiles, per model) from the same JSONL or CSV file (CSV by
its extension, as bench/to_csv.py writes it: DuckDB's read_csv with every column's type
declared, so it sniffs nothing).

    python3 bench/native.py FILE [FILE...] [--runs 5]

Prints one JSON object per file: medians in seconds and the ratio.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / "target" / "release" / "tokenlens"

# The article's record with explicit types: the same declaration the DuckDB oracle uses.
sys.path.insert(0, str(ROOT / "tests" / "oracle"))
from test_oracle import ARTICLE_COLUMNS as COLUMNS  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from to_csv import COLUMNS as CSV_COLUMNS  # noqa: E402

FIGURES = """
    count(*) AS requests,
    count(*) FILTER (WHERE status_code >= 400 OR status_code = 0
                     OR coalesce(error_message, '') <> '') AS errors,
    quantile_cont(latency_ms, [0.5, 0.9, 0.95, 0.99]) AS pct,
    max(latency_ms), avg(latency_ms),
    sum(prompt_tokens), sum(completion_tokens), sum(estimated_cost_usd),
    min(timestamp), max(timestamp)
"""


def duckdb_summary(path: Path) -> float:
    t0 = time.perf_counter()
    con = duckdb.connect()
    con.execute("SET threads = 2")
    con.execute("SET enable_progress_bar = false")
    if path.suffix.lower() == ".csv":
        cols = "{" + ", ".join(f"'{k}': '{v}'" for k, v in CSV_COLUMNS.items()) + "}"
        source = (f"read_csv('{path}', header=true, delim=',', quote='\"', escape='\"',"
                  f" columns={cols})")
    else:
        cols = "{" + ", ".join(f"'{k}': '{v}'" for k, v in COLUMNS.items()) + "}"
        source = f"read_json('{path}', format='newline_delimited', columns={cols})"
    # Only the figures' columns are kept resident, as tokenlens does.
    con.execute(
        "CREATE TABLE t AS SELECT timestamp, application, model_name, latency_ms, status_code,"
        " error_message <> '' AS has_error, prompt_tokens, completion_tokens,"
        f" estimated_cost_usd FROM {source}"
    )
    figures = FIGURES.replace("coalesce(error_message, '') <> ''", "coalesce(has_error, false)")
    con.execute(f"SELECT {figures} FROM t").fetchall()
    con.execute(f"SELECT model_name, {figures} FROM t GROUP BY 1").fetchall()
    con.execute(f"SELECT application, {figures} FROM t GROUP BY 1").fetchall()
    con.close()
    return time.perf_counter() - t0


def tokenlens_summary(path: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run([str(BIN), "summary", str(path), "--json"], check=True, capture_output=True)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="+", type=Path)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    for path in args.files:
        # One warm-up each, so both read the file from the page cache.
        tokenlens_summary(path)
        duckdb_summary(path)
        tl = statistics.median(tokenlens_summary(path) for _ in range(args.runs))
        dd = statistics.median(duckdb_summary(path) for _ in range(args.runs))
        print(json.dumps({
            "file": path.name,
            "format": "csv" if path.suffix.lower() == ".csv" else "jsonl",
            "mb": round(path.stat().st_size / 1e6, 1),
            "tokenlens_s": round(tl, 3),
            "duckdb_s": round(dd, 3),
            "ratio": round(dd / tl, 2),
            "runs": args.runs,
        }))


if __name__ == "__main__":
    main()
