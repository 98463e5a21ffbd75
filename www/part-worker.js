// A helper of the engine's worker (www/worker.js) for a big JSON Lines, CSV or TSV file:
// it reads one part of the file (bytes start..end, both line starts) into an engine of its
// own, while the engine's worker reads the part before it, and hands back the part's rows
// as bytes, in pieces as they are read (Engine.take_part_rows; the last with the part's
// report, Engine.finish_part), which the engine's worker appends after the rows before
// them.
// Workers share no memory here (that would need cross-origin isolation headers, which a
// static host may not send), so the bytes are transferred, not copied. Pieces keep this
// helper's wasm memory small; each helper reads one part and is then terminated (the
// engine's worker starts the next ones ahead, with 'init').
//
// Messages in:  {type:'init', module, compiled}               (optional: load the engine
//                                                           before the part is known)
//               {type:'part', module, compiled, file, format, head, start, end, options,
//                panicAfter}
//               (module: the URL of the engine build of the engine's worker, so both read
//               alike; compiled: its WebAssembly.Module; format: as sniff_format says;
//               head: the file's first bytes, with a CSV header; panicAfter: tests only, the
//               pieces after which the engine panics, 0 for never)
// Messages out: {type:'ready'}                               (after 'init': loaded)
//               {type:'started'}                             (ready to read)
//               {type:'progress', bytes, records, skipped}   (every 100 ms)
//               {type:'piece', bytes: Uint8Array}           (rows; transferred)
//               {type:'part', bytes: Uint8Array, clean}     (the last rows and the report;
//                                                           clean: the bytes end at a
//                                                           record's start)
//               {type:'error', message}

const PROGRESS_EVERY_MS = 100;
/** Rows a piece holds (a few MB). */
const PIECE_ROWS = 1 << 16;

/** The engine build, once loaded: {type:'init'} loads it ahead of the part. */
let loading = null;

/** Loads the engine build `module` from its compiled WebAssembly.Module. */
async function loadEngine(module, compiled) {
  const wasm = await import(module);
  // The engine's worker's compiled module: its code, already optimised, is shared.
  await wasm.default({ module_or_path: compiled });
  return wasm;
}

self.onmessage = async (e) => {
  const msg = e.data || {};
  if (msg.type === 'init') {
    loading = loadEngine(msg.module, msg.compiled);
    loading.then(() => self.postMessage({ type: 'ready' }), () => {});
    return;
  }
  if (msg.type !== 'part') return;
  try {
    const wasm = await (loading || loadEngine(msg.module, msg.compiled));
    const engine = new wasm.Engine();
    if (msg.options) engine.set_options(msg.options);
    self.postMessage({ type: 'started' });
    engine.start_part(msg.file.name, msg.format, msg.head, msg.start);
    const reader = msg.file.slice(msg.start, msg.end).stream().getReader();
    let bytes = 0;
    let lastPost = 0;
    let pieces = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      engine.feed(value);
      bytes += value.byteLength;
      if (engine.part_rows() >= PIECE_ROWS) {
        const piece = engine.take_part_rows();
        self.postMessage({ type: 'piece', bytes: piece }, [piece.buffer]);
        if (++pieces === msg.panicAfter) wasm.trigger_panic_for_test();
      }
      const now = performance.now();
      if (now - lastPost >= PROGRESS_EVERY_MS) {
        lastPost = now;
        const p = engine.progress();
        self.postMessage({ type: 'progress', bytes, records: p.records, skipped: p.skipped_lines });
      }
    }
    const clean = engine.part_at_record_start();
    const out = engine.finish_part();
    self.postMessage({ type: 'part', bytes: out, clean }, [out.buffer]);
  } catch (err) {
    self.postMessage({ type: 'error', message: err && err.message ? err.message : String(err) });
  }
};
