#!/usr/bin/env bash
# Builds the engine for the browser: pkg/tokenlens.js + pkg/tokenlens_bg.wasm.
#
#   bash scripts/build-wasm.sh         release build + wasm-bindgen --target web
#   bash scripts/build-wasm.sh --opt   also shrink with wasm-opt -Oz (binaryen from npm,
#                                      not Debian's, which is too old for Rust's wasm
#                                      features) and print raw / gzip / brotli sizes
#
# Needs what scripts/setup.sh installs (the wasm target, the pinned wasm-bindgen CLI;
# for --opt, `npm install`).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$HOME/.cargo/bin:$PATH"

opt=0
for arg in "$@"; do
    case "$arg" in
        --opt) opt=1 ;;
        *)
            echo "build-wasm.sh: unknown argument: $arg (expected --opt or nothing)" >&2
            exit 2
            ;;
    esac
done

wasm_in=target/wasm32-unknown-unknown/release/tokenlens.wasm
out=pkg

cargo build --release --lib --target wasm32-unknown-unknown

wb_version="$(sed -n 's/^wasm-bindgen *= *"=\([0-9][^"]*\)".*/\1/p' Cargo.toml | head -n1)"
if ! wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen ${wb_version}"; then
    echo "build-wasm.sh: wasm-bindgen CLI ${wb_version} is required (Cargo.toml pins it);" \
        "found: $(wasm-bindgen --version 2>/dev/null || echo none). Run: bash scripts/setup.sh" >&2
    exit 1
fi
wasm-bindgen --target web --out-dir "$out" "$wasm_in"

if [ "$opt" -eq 1 ]; then
    wasm_opt=node_modules/.bin/wasm-opt
    if [ ! -x "$wasm_opt" ]; then
        echo "build-wasm.sh: $wasm_opt is missing; run: bash scripts/setup.sh --browser (or npm install)" >&2
        exit 1
    fi
    before="$out/tokenlens_bg.wasm"
    # The features stable Rust emits for wasm32-unknown-unknown by default; wasm-opt must
    # accept them or it refuses the module.
    "$wasm_opt" -Oz \
        --enable-bulk-memory \
        --enable-mutable-globals \
        --enable-nontrapping-float-to-int \
        --enable-sign-ext \
        --enable-reference-types \
        --enable-multivalue \
        -o "$before.opt" "$before"
    raw_before=$(wc -c <"$before")
    mv "$before.opt" "$before"
    echo "wasm-opt -Oz: $raw_before -> $(wc -c <"$before") bytes"
fi

# Sizes as a browser downloads them (node has both compressors; no extra tools needed).
node --input-type=module - "$out/tokenlens_bg.wasm" "$out/tokenlens.js" <<'EOF'
import { readFileSync } from "node:fs";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`.padStart(11);
console.log(`${"file".padEnd(24)}${"raw".padStart(11)}${"gzip -9".padStart(11)}${"brotli 11".padStart(11)}`);
for (const path of process.argv.slice(2)) {
  const data = readFileSync(path);
  const gz = gzipSync(data, { level: 9 }).length;
  const br = brotliCompressSync(data, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.length },
  }).length;
  console.log(`${path.padEnd(24)}${kib(data.length)}${kib(gz)}${kib(br)}`);
}
EOF
