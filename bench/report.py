"""Renders bench/results.jsonl (written by bench/run.sh) as BENCHMARKS.md on stdout."""

import json
import os
import platform
import subprocess
import sys
from datetime import datetime, timezone

results_path, runs, sizes = sys.argv[1], sys.argv[2], sys.argv[3]
rows = [json.loads(line) for line in open(results_path) if line.strip()]
native = [r for r in rows if "duckdb_s" in r]
browser = [r for r in rows if "ingest_to_dashboard_ms" in r]
tti = next((r["page_interactive_ms"] for r in rows if "page_interactive_ms" in r), None)


def cpu() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def chromium() -> str:
    try:
        return subprocess.run(["/usr/bin/chromium", "--version"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "unknown"


import duckdb  # noqa: E402

print("# Benchmarks\n")
print("Reproduce with `bash bench/run.sh` (it rewrites this file). Files are made by")
print("`tokenlens generate --seed 42` in the source article's record shape (about 480 bytes a")
print(f"record, prompts and outputs included). Medians of {runs} runs.\n")
print(f"Machine: {cpu()}, {os.cpu_count()} cores; {chromium()}; DuckDB {duckdb.__version__};")
print(f"run on {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}.\n")
print("## Native: `tokenlens summary --json` against DuckDB (2 threads)\n")
print("Both load the JSONL file and compute the same figures: totals, exact p50/p90/p95/p99,")
print("max, mean, tokens, cost; overall, per model and per application.\n")
print("| file | size | tokenlens | DuckDB | DuckDB / tokenlens |")
print("|---|---|---|---|---|")
for r in native:
    print(f"| {r['file']} | {r['mb']} MB | {r['tokenlens_s']:.3f} s | {r['duckdb_s']:.3f} s | {r['ratio']:.2f}× |")
print("\n## Browser: file chosen to dashboard drawn (headless Chromium)\n")
print("From `setInputFiles` on `#file-input` until `body[data-state=ready]` with the KPIs")
print("filled: File.stream() in a Web Worker, wasm ingest, every panel computed, charts drawn.\n")
print("| file | records | time to dashboard | MB/s |")
print("|---|---|---|---|")
for r in browser:
    size = os.path.getsize(r["file"]) / 1e6
    n = os.path.basename(r["file"]).split("-")[-1].split(".")[0]
    print(f"| {os.path.basename(r['file'])} | {int(n):,} | {r['ingest_to_dashboard_ms']} ms | {size / (r['ingest_to_dashboard_ms'] / 1000):.0f} |")
if tti is not None:
    print(f"\nPage load to interactive (module, wasm, worker started): {tti} ms.\n")
print("## Wasm size (after `wasm-opt -Oz`)\n")
print("```")
print(f"{'file'.ljust(24)}{'raw'.rjust(11)}{'gzip -9'.rjust(11)}{'brotli 11'.rjust(11)}")
print(sizes)
print("```")
