#!/usr/bin/env bash
# Installs what building and testing tokenlens needs, skipping whatever is already there.
#
#   bash scripts/setup.sh            Rust wasm target + wasm-bindgen CLI + clang (apt; zstd's C
#                                    code needs it for wasm32): enough to build and serve
#   bash scripts/setup.sh --browser  also Chromium (apt), npm packages (playwright-core, binaryen)
#                                    and the Python test packages (duckdb, pytest)
#
# Safe to run again: every step checks first. Never downloads a browser through Playwright;
# the browser tests drive Debian's Chromium.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

browser=0
for arg in "$@"; do
    case "$arg" in
        --browser) browser=1 ;;
        -h | --help)
            sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "setup.sh: unknown argument: $arg" >&2
            exit 2
            ;;
    esac
done

export PATH="$HOME/.cargo/bin:$PATH"

say() { printf 'setup: %s\n' "$*"; }

# Root does not need sudo; anyone else does (and sudo may not exist on a root-only box).
as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# --- Rust: wasm target and the components CI uses ----------------------------------------
if rustup target list --installed | grep -qx 'wasm32-unknown-unknown'; then
    say "rust target wasm32-unknown-unknown: present"
else
    say "rust target wasm32-unknown-unknown: installing"
    rustup target add wasm32-unknown-unknown
fi
for component in rustfmt clippy; do
    if rustup component list --installed | grep -q "^${component}"; then
        say "rust component ${component}: present"
    else
        say "rust component ${component}: installing"
        rustup component add "$component"
    fi
done

# --- wasm-bindgen CLI: must be exactly the version Cargo.toml pins ------------------------
wb_version="$(sed -n 's/^wasm-bindgen *= *"=\([0-9][^"]*\)".*/\1/p' Cargo.toml | head -n1)"
if [ -z "$wb_version" ]; then
    echo 'setup.sh: no `wasm-bindgen = "=X"` line in Cargo.toml; cannot tell which CLI to install' >&2
    exit 1
fi
wb_installed() { wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen ${wb_version}"; }
# Another shell may be installing it right now; two concurrent installs fight over the same
# files, so wait for that one to finish first.
while ! wb_installed && pgrep -f "cargo install wasm-bindgen-cli" >/dev/null 2>&1; do
    say "wasm-bindgen-cli: another install is running; waiting"
    sleep 20
done
if wb_installed; then
    say "wasm-bindgen ${wb_version}: present"
else
    say "wasm-bindgen ${wb_version}: installing (cargo install, takes a few minutes)"
    # Not --locked: the crate's lock file pins versions that do not build here.
    cargo install wasm-bindgen-cli --version "$wb_version"
    wb_installed || {
        echo "setup.sh: installed wasm-bindgen-cli but \`wasm-bindgen --version\` is not ${wb_version}" >&2
        exit 1
    }
fi

# --- clang from Debian: zstd-sys (Parquet's zstd codec) compiles C for wasm32 with it -------
if command -v clang >/dev/null 2>&1; then
    say "clang: present"
else
    say "clang: installing from apt"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends clang
fi

if [ "$browser" -eq 0 ]; then
    say "done (run with --browser for the test dependencies)"
    exit 0
fi

# --- Chromium from Debian (Playwright drives it; it never downloads its own) -------------
if [ -x /usr/bin/chromium ]; then
    say "chromium: present"
else
    say "chromium: installing from apt"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium
fi

# --- npm: playwright-core (browser tests) and binaryen (wasm-opt) -------------------------
# package.json may already exist (the front end's tooling writes one too): add what is
# missing, keep everything else.
node --input-type=module - <<'EOF'
import { readFileSync, writeFileSync, existsSync } from "node:fs";
const want = { "playwright-core": "^1.65.1", "binaryen": "^132.0.0" };
const pkg = existsSync("package.json")
  ? JSON.parse(readFileSync("package.json", "utf8"))
  : { name: "tokenlens-dev", private: true, type: "module" };
let changed = !existsSync("package.json");
if (pkg.private !== true) { pkg.private = true; changed = true; }
if (!pkg.type) { pkg.type = "module"; changed = true; }
pkg.devDependencies ??= {};
for (const [name, range] of Object.entries(want)) {
  const has = pkg.devDependencies[name] ?? pkg.dependencies?.[name];
  if (!has) { pkg.devDependencies[name] = range; changed = true; }
}
if (changed) {
  writeFileSync("package.json", JSON.stringify(pkg, null, 2) + "\n");
  console.log("setup: package.json: updated");
}
EOF
# Present = every package named in package.json is in node_modules (any version).
npm_ok() {
    node --input-type=module - <<'EOF2'
import { readFileSync, existsSync } from "node:fs";
const pkg = JSON.parse(readFileSync("package.json", "utf8"));
const names = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies });
const missing = names.filter((n) => !existsSync(`node_modules/${n}/package.json`));
process.exit(missing.length === 0 && existsSync("node_modules/.bin/wasm-opt") ? 0 : 1);
EOF2
}
if npm_ok; then
    say "npm packages: present"
else
    # Belt and braces: playwright-core never downloads browsers, but say so anyway.
    export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
    if [ -f package-lock.json ] && npm ci --no-audit --no-fund; then
        say "npm packages: installed (npm ci)"
    else
        # No lock file yet, or it is out of step with package.json.
        npm install --no-audit --no-fund
        say "npm packages: installed (npm install)"
    fi
fi

# --- Python: the DuckDB oracle tests ------------------------------------------------------
if python3 -c 'import duckdb, pytest' 2>/dev/null; then
    say "python packages (duckdb, pytest): present"
else
    say "python packages: installing from tests/requirements.txt"
    if ! python3 -m pip install --quiet -r tests/requirements.txt; then
        # A Debian system Python refuses pip installs (PEP 668) unless told otherwise.
        python3 -m pip install --quiet --break-system-packages -r tests/requirements.txt
    fi
fi

say "done"
