#!/usr/bin/env bash
# Everything CI checks, in CI's order (README command 2; .ci/run calls this).
#
#   bash scripts/test.sh
#
# Stops at the first failure and says which step it was.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

started=$SECONDS
current=""

on_exit() {
    local rc=$?
    if [ "$rc" -ne 0 ] && [ -n "$current" ]; then
        printf '\n=== FAILED: %s (exit %d, after %ds in total)\n' "$current" "$rc" $((SECONDS - started)) >&2
    fi
}
trap on_exit EXIT

# step NAME COMMAND...: a banner with the wall-clock time, the command, then its duration.
step() {
    current="$1"
    shift
    printf '\n=== [%s] %s\n' "$(date -u +%H:%M:%SZ)" "$current"
    local t0=$SECONDS
    "$@"
    printf -- '--- %s: ok in %ds\n' "$current" $((SECONDS - t0))
    current=""
}

gen_demo() {
    local bin=target/release/tokenlens demo=www/demo.jsonl
    if [ ! -f "$demo" ] || [ "$bin" -nt "$demo" ]; then
        "$bin" generate --records 30000 --seed 7 --labels --out "$demo"
    else
        echo "$demo is newer than $bin; kept"
    fi
}

step "setup (--browser)" bash scripts/setup.sh --browser
step "cargo fmt --check" cargo fmt --all -- --check
step "clippy (native)" cargo clippy --all-targets -- -D warnings
step "clippy (wasm32)" cargo clippy --all-targets --target wasm32-unknown-unknown -- -D warnings
# The page's lean engine (no Parquet/Arrow reader): what scripts/build-wasm.sh builds first.
step "clippy (wasm32, lean)" cargo clippy --all-targets --target wasm32-unknown-unknown --no-default-features -- -D warnings
step "cargo test" cargo test
step "build release CLI" cargo build --release --bin tokenlens
step "build wasm" bash scripts/build-wasm.sh
step "generate demo data" gen_demo
step "DuckDB oracle (pytest)" python3 -m pytest -q -rs tests/oracle
step "browser tests (node --test)" node --test tests/e2e/

printf '\n=== all checks passed in %ds\n' $((SECONDS - started))
