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
peers = {r["file"]: r for r in rows if r.get("engine") == "duckdb-wasm"}
tti = next((r["page_interactive_ms"] for r in rows if "page_interactive_ms" in r), None)
peer_tti = next((r["peer_page_interactive_ms"] for r in rows if "peer_page_interactive_ms" in r), None)


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


def records_of(r: dict) -> int:
    return r.get("records") or int(os.path.basename(r["file"]).split("-")[-1].split(".")[0])


def bucket_label(secs) -> str:
    if not secs:
        return "unknown"
    return f"{secs // 3600} h" if secs % 3600 == 0 else f"{secs // 60} min"


def duckdb_wasm_version() -> str:
    try:
        path = os.path.join(os.path.dirname(__file__), "node_modules", "@duckdb", "duckdb-wasm", "package.json")
        return json.load(open(path))["version"]
    except (OSError, ValueError, KeyError):
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
    print(f"| {os.path.basename(r['file'])} | {records_of(r):,} | {r['ingest_to_dashboard_ms']} ms | {size / (r['ingest_to_dashboard_ms'] / 1000):.0f} |")
if tti is not None:
    print(f"\nPage load to interactive (module, wasm, worker started): {tti} ms.\n")


side = [(r, peers[r["file"]]) for r in browser if r["file"] in peers]
if side:
    p0 = side[0][1]
    print("## Browser: tokenlens against DuckDB-WASM (same headless Chromium, same files)\n")
    print(f"DuckDB-WASM {p0['version']} (`@duckdb/duckdb-wasm` {duckdb_wasm_version()}, the single-threaded")
    print(f"'{p0['bundle']}' bundle) on a peer page, bench/duckdb/, its runs interleaved with tokenlens'.")
    print("Each run is a fresh page. DuckDB-WASM's start-up (worker, instantiate the wasm, open,")
    print("connect) is timed on its own; tokenlens' start-up is in the page's time to interactive above.")
    print("DuckDB-WASM ingest + queries is from `setInputFiles` until its page has ingested the file")
    print("and computed what tokenlens' dashboard shows: totals, errors, exact p50/p90/p95/p99, max,")
    print("mean, tokens, cost, first/last timestamp, error classes; the same per model and per")
    print(f"application; per time bucket (tokenlens' width: {bucket_label(p0.get('bucket_secs'))}) requests, errors, p50/p95/p99,")
    print("tokens and cost. It draws no charts; tokenlens' time includes drawing them.")
    print("Its ingest: DuckDB-WASM reads JSONL offline only through `insertJSONFromPath`, which takes")
    print("a JSON array and fails whole on one bad line (`read_json` needs the json extension, which")
    print("it downloads), so a JS pre-pass cuts the file into 32 MB pieces at newlines, drops the")
    print("lines that do not parse, and appends each piece as an array (the next piece is prepared")
    print("while DuckDB inserts the previous one), keeping only the columns the figures need.")
    print("Both pages' request counts and p95 are checked to agree in every run.\n")
    print("| file | records | tokenlens: file to dashboard | DuckDB-WASM start-up | DuckDB-WASM ingest + queries "
          "| DuckDB-WASM / tokenlens | with start-up |")
    print("|---|---|---|---|---|---|---|")
    for t, p in side:
        print(f"| {os.path.basename(t['file'])} | {records_of(t):,} | {t['ingest_to_dashboard_ms']} ms "
              f"| {p['startup_ms']:.0f} ms | {p['ingest_queries_ms']:.0f} ms "
              f"| {p['ingest_queries_ms'] / t['ingest_to_dashboard_ms']:.1f}× "
              f"| {(p['startup_ms'] + p['ingest_queries_ms']) / t['ingest_to_dashboard_ms']:.1f}× |")
    print("\nDuckDB-WASM's time split (medians, timed in its page; the pre-pass runs on the page's")
    print("main thread while DuckDB's worker inserts the previous piece, so the two overlap):\n")
    print("| file | JS pre-pass (decode, parse, drop, copy) | ingest incl. pre-pass | dashboard queries |")
    print("|---|---|---|---|")
    for t, p in side:
        print(f"| {os.path.basename(t['file'])} | {p['prepass_ms']:.0f} ms | {p['ingest_ms']:.0f} ms "
              f"| {p['queries_ms']:.0f} ms |")
    if peer_tti is not None:
        print(f"\nPeer page load to ready (module graph, DuckDB-WASM started): {peer_tti} ms; apache-arrow")
        print("is loaded unbundled from node_modules (about 130 small modules), which a real deployment")
        print("would bundle.\n")
    print("### Re-aggregation after a filter change\n")
    print("The file loaded, then one model chosen in `#filter-model`, timed in the page until")
    print("`body[data-state=ready]` again. tokenlens: the worker recomputes every panel for the")
    print("view and the page redraws the charts. DuckDB-WASM: the same queries again with")
    print("`WHERE model_name = '<model>'` (no charts).\n")
    print("| file | records | model (its records) | tokenlens | DuckDB-WASM | DuckDB-WASM / tokenlens |")
    print("|---|---|---|---|---|---|")
    for t, p in side:
        print(f"| {os.path.basename(t['file'])} | {records_of(t):,} | {t['model']} ({t['model_records']:,}) "
              f"| {t['reaggregate_ms']:.0f} ms | {p['reaggregate_ms']:.0f} ms "
              f"| {p['reaggregate_ms'] / t['reaggregate_ms']:.1f}× |")
    print()
print("## Wasm size (after `wasm-opt -Oz`)\n")
print("```")
print(f"{'file'.ljust(24)}{'raw'.rjust(11)}{'gzip -9'.rjust(11)}{'brotli 11'.rjust(11)}")
print(sizes)
print("```")
