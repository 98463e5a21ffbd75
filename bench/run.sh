#!/usr/bin/env bash
# Benchmarks, side by side, and BENCHMARKS.md rewritten with the results.
#
#   bash bench/run.sh [--runs N] [--records "100000 1000000"]
#
# Native: `tokenlens summary` against DuckDB (PyPI, 2 threads) on the same JSONL files.
# Browser: file chosen -> dashboard drawn, in Debian's headless Chromium; page load to
# interactive; wasm size after wasm-opt (raw / gzip / brotli).
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
node scripts/serve.mjs --port "$port" >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do
    curl -sf "http://127.0.0.1:$port/" >/dev/null && break
    sleep 0.1
done

results=bench/results.jsonl
: >"$results"
python3 bench/native.py --runs "$runs" "${files[@]}" | tee -a "$results"
node bench/browser.mjs --url "http://127.0.0.1:$port/" --runs "$runs" "${files[@]}" | tee -a "$results"
python3 bench/report.py "$results" "$runs" "$sizes" >BENCHMARKS.md
echo "BENCHMARKS.md rewritten"
