// The page thread's own copy of the wasm module (the engine's copy lives in the worker),
// for what must happen on the page: drawing charts on canvases and masking drill-down
// text. A Rust panic leaves an instance unusable, so after one the next caller gets a
// fresh copy of the module.

let promise = null;
let generation = 0;

/** The module, loaded and initialised (once per generation). */
export function pageWasm() {
  if (!promise) {
    const url = generation === 0 ? './pkg/tokenlens.js' : `./pkg/tokenlens.js?instance=${generation}`;
    const mine = generation;
    promise = import(url).then(async (mod) => {
      await mod.default();
      loaded = { generation: mine, mod };
      return mod;
    });
    promise.catch(() => { promise = null; });
  }
  return promise;
}

/** The module if it is loaded and initialised already, else null (for drawing without a wait). */
let loaded = null;
export function loadedPageWasm() {
  return loaded && loaded.generation === generation ? loaded.mod : null;
}

/** Forgets a poisoned instance (after a panic): the next pageWasm() loads a fresh one. */
export function discardPageWasm() {
  generation += 1;
  promise = null;
}

/** The message of an error thrown by the module, with the panic's own text if it was one. */
export function wasmErrorMessage(mod, err) {
  let message = err && err.message ? err.message : String(err);
  if (err instanceof WebAssembly.RuntimeError) {
    try {
      const panic = mod.last_panic();
      if (panic) message = panic;
    } catch { /* the instance is gone */ }
    discardPageWasm();
  }
  return message;
}
