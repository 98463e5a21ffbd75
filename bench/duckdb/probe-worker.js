// DuckDB-WASM's worker, started through this file only so the benchmark can read the size of
// its wasm memory (WebAssembly.Memory.buffer.byteLength), which the bundle keeps to itself.
// It wraps WebAssembly.instantiate / instantiateStreaming to note the Memory the instance
// exports or imports (self.__wasmMemory, read by bench/browser.mjs through Playwright's
// worker.evaluate), then loads the real worker script unchanged. A classic worker, as
// DuckDB-WASM's own is: `new Worker('probe-worker.js?bundle=eh')`.

const DIST = new URL('/node_modules/@duckdb/duckdb-wasm/dist/', self.location.href).href;
const BUNDLE = new URL(self.location.href).searchParams.get('bundle') || 'eh';

function note(result, imports) {
  const instance = result instanceof WebAssembly.Instance ? result : result && result.instance;
  // Loops, not spreads: the module has thousands of exports.
  const places = [instance ? instance.exports : null, ...Object.values(imports || {})];
  for (const place of places) {
    if (!place || typeof place !== 'object') continue;
    for (const key in place) {
      if (place[key] instanceof WebAssembly.Memory) {
        self.__wasmMemory = place[key];
        return result;
      }
    }
  }
  return result;
}

const instantiate = WebAssembly.instantiate;
WebAssembly.instantiate = function (source, imports) {
  return instantiate.call(this, source, imports).then((r) => note(r, imports));
};
const instantiateStreaming = WebAssembly.instantiateStreaming;
if (instantiateStreaming) {
  WebAssembly.instantiateStreaming = function (source, imports) {
    return instantiateStreaming.call(this, source, imports).then((r) => note(r, imports));
  };
}

importScripts(`${DIST}duckdb-browser-${BUNDLE}.worker.js`);
