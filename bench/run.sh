#!/usr/bin/env bash
# Benchmarks, side by side, and BENCHMARKS.md rewritten with the results.
#
#   bash bench/run.sh [--runs N] [--records "100000 1000000"]
#
# Native: `tokenlens summary` against DuckDB (PyPI, 2 threads) on the same JSONL files.
# Browser: file chosen -> dashboard drawn, in Debian's headless Chromium, side by side with
# DuckDB-WASM (bench/duckdb/, served by bench/serve-bench.mjs) on the same files; filter
# change -> re-aggregated; page load to interactive; wasm size after wasm-opt (raw / gzip /
# brotli). bench/ has its own package.json (DuckDB-WASM, playwright-core), so the tests'
# npm install (root package.json) never downloads DuckDB-WASM.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$HOME/.cargo/bin:$PATH"

runs=5
records="100000 1000000"
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs="$2"; shift 2 ;;
        --records) records="$2"; shift 2 ;;
        *) echo "bench/run.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done

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
sizes="$(bash scripts/build-wasm.sh --opt | tail -n 2)"

data=bench/data
mkdir -p "$data"
files=()
for n in $records; do
    f="$data/article-$n.jsonl"
    [ -f "$f" ] && [ "$f" -nt target/release/tokenlens ] || target/release/tokenlens generate --records "$n" --seed 42 --out "$f"
    files+=("$f")
done

port=8090
peer_port=8091
node scripts/serve.mjs --port "$port" >/dev/null 2>&1 &
server=$!
node bench/serve-bench.mjs --port "$peer_port" >/dev/null 2>&1 &
peer_server=$!
trap 'kill $server $peer_server 2>/dev/null || true' EXIT
for _ in $(seq 50); do
    curl -sf "http://127.0.0.1:$port/" >/dev/null && curl -sf "http://127.0.0.1:$peer_port/duckdb/" >/dev/null && break
    sleep 0.1
done

results=bench/results.jsonl
: >"$results"
python3 bench/native.py --runs "$runs" "${files[@]}" | tee -a "$results"
node bench/browser.mjs --url "http://127.0.0.1:$port/" --peer-url "http://127.0.0.1:$peer_port/duckdb/" \
    --runs "$runs" "${files[@]}" | tee -a "$results"
python3 bench/report.py "$results" "$runs" "$sizes" >BENCHMARKS.md
echo "BENCHMARKS.md rewritten"
