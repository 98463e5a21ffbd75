#!/usr/bin/env bash
# Benchmarks, side by side, and BENCHMARKS.md rewritten with the results.
#
#   bash bench/run.sh [--runs N] [--records "100000 1000000"]          the default part
#   bash bench/run.sh --large [--large-records "2100000 5000000"]      the large files only
#                                                       (or BENCH_LARGE=1 bash bench/run.sh)
#
# Default part (about 11 minutes on 2 cores, plus the builds): on generated JSONL files and
# CSV copies of them (bench/to_csv.py: the same records), native `tokenlens summary` against
# DuckDB (PyPI, 2 threads); in Debian's headless Chromium, file chosen -> dashboard drawn, side
# by side with DuckDB-WASM (bench/duckdb/, served by bench/serve-bench.mjs) on the same files,
# with the renderer's memory and the engines' wasm memory before and after, the longest
# main-thread task while the file is read, the re-aggregation after a filter change and page
# load to interactive; the wasm size after wasm-opt (raw / gzip / brotli). Results:
# bench/results.jsonl.
#
# Large part (opt-in: minutes per file): JSONL files of about 1 GB (2.1M records) and 2.4 GB
# (5M records), tokenlens in the browser only, one run each: time, rate, longest main-thread
# task, peak renderer memory and wasm memory. Results: bench/data/results-large.jsonl.
#
# Either part rewrites BENCHMARKS.md from both results files (the other part's as it was last
# run, with its own date and load). bench/ has its own package.json (DuckDB-WASM,
# playwright-core), so the tests' npm install (root package.json) never downloads DuckDB-WASM.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$HOME/.cargo/bin:$PATH"

runs=5
records="100000 1000000"
large="${BENCH_LARGE:-0}"
large_records="2100000 5000000"
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs="$2"; shift 2 ;;
        --records) records="$2"; shift 2 ;;
        --large) large=1; shift ;;
        --large-records) large_records="$2"; large=1; shift 2 ;;
        *) echo "bench/run.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
results=bench/results.jsonl
large_results=bench/data/results-large.jsonl
if [ "$large" = 1 ] && [ ! -s "$results" ]; then
    echo "bench/run.sh: run the default part first (bash bench/run.sh): BENCHMARKS.md is made from both" >&2
    exit 2
fi

bash scripts/setup.sh --browser >/dev/null
# Benchmark-only npm packages, from bench/package-lock.json (npm ci; skipped when
# bench/node_modules already matches it).
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if [ -f bench/package-lock.json ]; then
    [ bench/node_modules/.package-lock.json -nt bench/package-lock.json ] \
        || npm ci --prefix bench --no-audit --no-fund
else
    npm install --prefix bench --no-audit --no-fund
fi
cargo build --release --bin tokenlens
# The lean and the full engine, each .wasm and .js (the last 4 lines build-wasm.sh prints).
sizes="$(bash scripts/build-wasm.sh --opt | tail -n 4)"

data=bench/data
mkdir -p "$data"
# A generated JSONL file of N records (made again when the CLI is newer than it).
jsonl() {
    local f="$data/article-$1.jsonl"
    [ -f "$f" ] && [ "$f" -nt target/release/tokenlens ] \
        || target/release/tokenlens generate --records "$1" --seed 42 --out "$f" >&2
    echo "$f"
}
# Its CSV copy (made again when the JSONL file is newer).
csv() {
    local f="$data/article-$1.csv"
    [ -f "$f" ] && [ "$f" -nt "$data/article-$1.jsonl" ] || python3 bench/to_csv.py "$data/article-$1.jsonl" "$f"
    echo "$f"
}
files=()
if [ "$large" = 1 ]; then
    for n in $large_records; do files+=("$(jsonl "$n")"); done
else
    for n in $records; do files+=("$(jsonl "$n")"); done
    for n in $records; do files+=("$(csv "$n")"); done
fi

port=8090
peer_port=8091
node scripts/serve.mjs --port "$port" >/dev/null 2>&1 &
server=$!
node bench/serve-bench.mjs --port "$peer_port" >/dev/null 2>&1 &
peer_server=$!

# The machine's load while the benchmark runs (it shares 2 cores with whatever else runs):
# load average and the number of compiler processes (other builds) every 10 s.
load_log="$(mktemp)"
(
    while :; do
        read -r l1 _ </proc/loadavg
        # By command name (pgrep -x takes at most 15 characters of pattern).
        echo "$l1 $(ps -eo comm= | grep -c -x -E 'rustc|cc1|cc1plus|ld|clippy-driver' || true)"
        sleep 10
    done
) >"$load_log" &
sampler=$!
trap 'kill $server $peer_server $sampler 2>/dev/null || true; rm -f "$load_log"' EXIT
for _ in $(seq 50); do
    curl -sf "http://127.0.0.1:$port/" >/dev/null && curl -sf "http://127.0.0.1:$peer_port/duckdb/" >/dev/null && break
    sleep 0.1
done

# One line of facts about this run, first in its results file.
meta() {
    RUNS="$runs" SIZES="$sizes" KIND="$1" UPTIME_BEFORE="$2" UPTIME_AFTER="$3" LOAD_LOG="$load_log" \
        COMMAND="$4" python3 - <<'EOF'
import json, os, subprocess
from datetime import datetime, timezone
git = lambda *a: subprocess.run(["git", *a], capture_output=True, text=True).stdout.strip()
samples = [l.split() for l in open(os.environ["LOAD_LOG"]) if l.strip()]
print(json.dumps({"meta": {
    "kind": os.environ["KIND"], "runs": int(os.environ["RUNS"]), "sizes": os.environ["SIZES"],
    "command": os.environ["COMMAND"],
    "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    "uptime_before": os.environ["UPTIME_BEFORE"], "uptime_after": os.environ["UPTIME_AFTER"],
    "load_samples": [float(s[0]) for s in samples],
    "compiler_samples": [int(s[1]) for s in samples if len(s) > 1],
    "commit": git("rev-parse", "--short", "HEAD"),
    "engine_dirty": git("status", "--porcelain", "--", "src", "Cargo.toml", "Cargo.lock") != "",
}}))
EOF
}

before="$(uptime)"
out="$(mktemp)"
if [ "$large" = 1 ]; then
    node bench/browser.mjs --url "http://127.0.0.1:$port/" --runs 1 --label large "${files[@]}" | tee "$out"
    kind=large
    command="bash bench/run.sh --large --large-records \"$large_records\""
    dest="$large_results"
else
    python3 bench/native.py --runs "$runs" "${files[@]}" | tee "$out"
    node bench/browser.mjs --url "http://127.0.0.1:$port/" --peer-url "http://127.0.0.1:$peer_port/duckdb/" \
        --runs "$runs" "${files[@]}" | tee -a "$out"
    kind=default
    command="bash bench/run.sh --runs $runs --records \"$records\""
    dest="$results"
fi
after="$(uptime)"
{ meta "$kind" "$before" "$after" "$command"; cat "$out"; } >"$dest"
rm -f "$out"
python3 bench/report.py "$results" "$large_results" >BENCHMARKS.md
echo "BENCHMARKS.md rewritten"
