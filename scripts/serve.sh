#!/usr/bin/env bash
# Builds everything and serves the dashboard on http://127.0.0.1:8080 (README command 1).
#
#   bash scripts/serve.sh [PORT]      or   PORT=9000 bash scripts/serve.sh
#
# Installs the build tools if missing, builds the CLI and the wasm engine, writes the demo
# data (www/demo.jsonl) when it is missing or older than the CLI, then serves www/ at /
# and pkg/ at /pkg/.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$HOME/.cargo/bin:$PATH"

port="${1:-${PORT:-8080}}"

bash scripts/setup.sh
cargo build --release --bin tokenlens
bash scripts/build-wasm.sh

bin=target/release/tokenlens
demo=www/demo.jsonl
if [ ! -f "$demo" ] || [ "$bin" -nt "$demo" ]; then
    echo "serve.sh: generating $demo"
    "$bin" generate --records 30000 --seed 7 --labels --out "$demo"
fi

echo "serve.sh: open http://127.0.0.1:${port}/ (Ctrl-C stops)"
exec node scripts/serve.mjs --port "$port"
