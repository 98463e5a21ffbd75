#!/usr/bin/env bash
# Builds the engine for the browser, twice, into pkg/:
#
#   pkg/tokenlens.js + tokenlens_bg.wasm            the lean engine (--no-default-features:
#                                                   every format but Parquet and Arrow IPC);
#                                                   the page and its worker start with it
#   pkg/tokenlens_full.js + tokenlens_full_bg.wasm  the full engine (default features); the
#                                                   worker loads it only for an import with a
#                                                   Parquet or Arrow file (www/worker.js)
#
#   bash scripts/build-wasm.sh         release builds + wasm-bindgen --target web
#   bash scripts/build-wasm.sh --opt   also shrink with wasm-opt -Oz (binaryen from npm,
#                                      not Debian's, which is too old for Rust's wasm
#                                      features) and print raw / gzip / brotli sizes
#
# Both builds share target/ (and so every dependency). A cdylib's file name carries no
# feature hash, so cargo rebuilds the crate whenever the features change from the last
# build; each module is therefore kept as target/wasm32-unknown-unknown/wasm/
# tokenlens-{lean,full}.wasm with a stamp, and its cargo build is skipped while no input
# (src/, Cargo.toml, Cargo.lock, the toolchain, RUSTFLAGS) changed since.
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

release=target/wasm32-unknown-unknown/wasm
out=pkg

wb_version="$(sed -n 's/^wasm-bindgen *= *"=\([0-9][^"]*\)".*/\1/p' Cargo.toml | head -n1)"
if ! wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen ${wb_version}"; then
    echo "build-wasm.sh: wasm-bindgen CLI ${wb_version} is required (Cargo.toml pins it);" \
        "found: $(wasm-bindgen --version 2>/dev/null || echo none). Run: bash scripts/setup.sh" >&2
    exit 1
fi
wasm_opt=node_modules/.bin/wasm-opt
if [ "$opt" -eq 1 ] && [ ! -x "$wasm_opt" ]; then
    echo "build-wasm.sh: $wasm_opt is missing; run: bash scripts/setup.sh --browser (or npm install)" >&2
    exit 1
fi

# build KIND CARGO_ARGS...: the release wasm built with CARGO_ARGS, as $release/tokenlens-KIND.wasm.
build() {
    local kind=$1
    shift
    local keep="$release/tokenlens-$kind.wasm"
    local stamp="$keep.stamp"
    local want
    want="$(
        echo "cargo build --profile wasm --lib --target wasm32-unknown-unknown $*"
        echo "RUSTFLAGS=${RUSTFLAGS:-} CARGO_ENCODED_RUSTFLAGS=${CARGO_ENCODED_RUSTFLAGS:-}"
        rustc -vV
        cargo -V
        find src -type f | LC_ALL=C sort
    )"
    if [ -f "$keep" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] &&
        [ -z "$(find src Cargo.toml Cargo.lock -newer "$keep" -print -quit)" ]; then
        echo "build-wasm.sh: $keep is up to date"
        return
    fi
    local t0=$SECONDS
    mkdir -p "$release"
    # Dated before cargo reads the sources: a file changed during the build is newer.
    touch "$keep.started"
    cargo build --profile wasm --lib --target wasm32-unknown-unknown "$@"
    # A copy, not cargo's file, which the other build replaces.
    cp "$release/tokenlens.wasm" "$keep.tmp"
    touch -r "$keep.started" "$keep.tmp"
    mv "$keep.tmp" "$keep"
    rm -f "$keep.started"
    printf '%s\n' "$want" >"$stamp"
    echo "build-wasm.sh: $kind build: $((SECONDS - t0)) s"
}
build full
build lean --no-default-features

# bindgen KIND NAME: pkg/NAME.js + pkg/NAME_bg.wasm, shrunk by wasm-opt with --opt.
bindgen() {
    local kind=$1 name=$2
    wasm-bindgen --target web --out-dir "$out" --out-name "$name" "$release/tokenlens-$kind.wasm"
    if [ "$opt" -eq 1 ]; then
        local before="$out/${name}_bg.wasm"
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
        local raw_before
        raw_before=$(wc -c <"$before")
        mv "$before.opt" "$before"
        echo "wasm-opt -Oz $before: $raw_before -> $(wc -c <"$before") bytes"
    fi
}
bindgen lean tokenlens
bindgen full tokenlens_full

# Sizes as a browser downloads them (node has both compressors; no extra tools needed).
node --input-type=module - "$out/tokenlens_bg.wasm" "$out/tokenlens.js" \
    "$out/tokenlens_full_bg.wasm" "$out/tokenlens_full.js" <<'EOF'
import { readFileSync } from "node:fs";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`.padStart(11);
console.log(`${"file".padEnd(29)}${"raw".padStart(11)}${"gzip -9".padStart(11)}${"brotli 11".padStart(11)}`);
for (const path of process.argv.slice(2)) {
  const data = readFileSync(path);
  const gz = gzipSync(data, { level: 9 }).length;
  const br = brotliCompressSync(data, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.length },
  }).length;
  console.log(`${path.padEnd(29)}${kib(data.length)}${kib(gz)}${kib(br)}`);
}
EOF
