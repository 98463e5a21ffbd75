// The engine's worker: owns the wasm Engine, streams the Files of an import into it chunk
// by chunk (several files are one import: start_file per file, merged), reports throttled
// progress, supports cancel, and answers dashboard and drill-down queries. Files always
// come from the page (dropped, picked, or the demo fetched by the page), because the page
// keeps them to read single records back for drill-down.
//
// Messages in:  {type:'load', id, files, options} | {type:'cancel', id}
//               {type:'check-options', id, options}
//               {type:'view', id, view}    | {type:'requests', id, view, order, limit}
//               {type:'anomalies', id, view}
//               {type:'prices', id, text} | {type:'model-prices', id} | {type:'export-prices', id}
//               {type:'record', id, file, coding, format, offset, row}  (a Parquet or
//                Arrow record for drill-down: columnarRecord)
//               {type:'test-panic'} | {type:'test-fail-helpers'}
// Messages out: {type:'started'}
//               {type:'progress', id, bytes, total, records, skipped, rate, recordRate,
//                fileIndex, fileCount, fileName}
//               {type:'loaded', id, report, dashboardJson, bytes, elapsedMs, pricesError}
//               {type:'cancelled', id}
//               {type:'options', id, ok, message}
//               {type:'dashboard', id, dashboardJson, engineMs}
//               {type:'requests', id, order, rows}
//               {type:'record', id, ok, text, message}
//               {type:'anomalies', id, flags}
//               {type:'prices', id, ok, message, models} | {type:'prices-export', id, text}
//               {type:'error', id, message, panic, fatal, options}
//
// `options` are the mapping dialog's {format, map, ts_unit, start, model} (or null): they
// are set after the engine is reset, so they apply to that import only. A load's `prices`
// (the user's price overrides, or '') are kept and set again after every reset.
//
// After a wasm panic the instance is unusable (the release build aborts), so the worker
// reports {fatal:true} and refuses further work; the page then replaces the worker.
//
// Two builds of the engine, with the same API (scripts/build-wasm.sh): the worker starts
// with the lean one (pkg/tokenlens.js: every format but Parquet and Arrow IPC, a fraction
// of the download). When a file of an import needs the full one (the lean engine marks it
// `needs: "columnar"`, from its first bytes), the worker stops, loads pkg/tokenlens_full.js
// (a progress message with `note` says so), reads the whole import again with it (the same
// files and mapping options; the worker keeps no other engine state) and keeps it for the
// rest of its life. Both are served from pkg/ like the page itself.

import * as leanWasm from './pkg/tokenlens.js';

const LEAN_MODULE = './pkg/tokenlens.js';
const FULL_MODULE = './pkg/tokenlens_full.js';
const FULL_WASM = './pkg/tokenlens_full_bg.wasm';

const PROGRESS_EVERY_MS = 100;

/** The engine's module: the lean build until an import needs the full one. */
let wasm = leanWasm;
/** Whether `wasm` is the full build. */
let full = false;
/** The full build being loaded (a promise of the initialised module), or null. */
let fullLoading = null;
let engine = null;
let dead = false;
/** The load in flight: {id, cancelled, reader}. */
let job = null;
/** Loads cancelled before they started. */
const cancelledEarly = new Set();
/** The user's prices (LiteLLM JSON or price CSV; '' for the built-in table). */
let pricesText = '';
/** Serialises loads and queries; cancel bypasses it. */
let queue = Promise.resolve();

/**
 * Compiles a wasm-bindgen module's wasm file and initialises the module with it; returns
 * the compiled WebAssembly.Module, kept to hand to helpers: a posted Module shares its
 * compiled code, so a helper does not download and compile the engine again.
 */
async function initEngine(mod, wasmFile) {
  const url = new URL(wasmFile, import.meta.url);
  let compiled;
  try {
    compiled = await WebAssembly.compileStreaming(fetch(url));
  } catch {
    // A server that does not say application/wasm.
    compiled = await WebAssembly.compile(await (await fetch(url)).arrayBuffer());
  }
  await mod.default({ module_or_path: compiled });
  return compiled;
}

/** The compiled engines (see initEngine). */
let leanCompiled = null;
let fullCompiled = null;

const started = initEngine(wasm, './pkg/tokenlens_bg.wasm').then(
  (compiled) => {
    leanCompiled = compiled;
    engine = new wasm.Engine();
    self.postMessage({ type: 'started' });
    return true;
  },
  (err) => {
    dead = true;
    self.postMessage({
      type: 'error', id: null, panic: false, fatal: true,
      message: `Could not start the engine: ${err && err.message ? err.message : err}`,
    });
    return false;
  },
);

/** Converts ES Maps (serde-wasm-bindgen's default for maps) into plain objects. */
function plain(x) {
  if (x instanceof Map) {
    const o = {};
    for (const [k, v] of x) o[k] = plain(v);
    return o;
  }
  if (Array.isArray(x)) return x.map(plain);
  if (x && typeof x === 'object' && !ArrayBuffer.isView(x)) {
    const o = {};
    for (const k of Object.keys(x)) o[k] = plain(x[k]);
    return o;
  }
  return x;
}

function isPanic(err) {
  return err instanceof WebAssembly.RuntimeError
    || (err && typeof err.message === 'string' && /unreachable/i.test(err.message));
}

function readPanic() {
  try {
    const p = wasm.last_panic();
    return typeof p === 'string' && p.length ? p : null;
  } catch {
    return null;
  }
}

function reportError(id, err) {
  const panicMsg = isPanic(err) || dead ? readPanic() : null;
  const panic = panicMsg !== null || isPanic(err);
  if (panic) dead = true;
  let message;
  if (panicMsg) message = panicMsg;
  else if (err && typeof err.message === 'string') message = err.message;
  else message = String(err);
  self.postMessage({ type: 'error', id, message, panic, fatal: dead });
}

async function load(msg) {
  const mine = { id: msg.id, cancelled: cancelledEarly.delete(msg.id), reader: null, parts: [] };
  job = mine;
  const files = Array.isArray(msg.files) ? msg.files : [msg.file];
  if (typeof msg.prices === 'string') pricesText = msg.prices;
  const t0 = performance.now();
  try {
    // Once with the lean engine and, if a file needs the full one, once more with it.
    while (!(await readImport(mine, files, msg.options, t0, msg.view))) {
      await useFullEngine(mine, files);
      if (mine.cancelled) {
        cancelled(mine);
        return;
      }
    }
  } catch (err) {
    if (mine.reader) mine.reader.cancel().catch(() => {});
    if (!dead && !isPanic(err)) {
      try { engine.reset(); } catch { /* the original error is the one to report */ }
    }
    reportError(mine.id, err);
  } finally {
    stopParts(mine);
    if (job === mine) job = null;
    spareHelpersUp();
  }
}

const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

/** Set by the tests: helpers panic after their first piece. */
let failHelpersForTest = false;

/** Files of at least this size are cut into parts (JSON Lines, CSV and TSV). */
const PART_MIN_BYTES = 8 << 20;
/** Workers reading one file: one per core, at most 4 (the page's own thread needs little). */
const READERS = Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1));

/**
 * How a file is cut for its readers: {bounds: [0, c1, …, size], each cut a line start,
 * format, head (its first bytes, where a CSV part reads the header)}, or null when one
 * worker reads it whole (small, not JSON Lines, CSV or TSV, or one core).
 */
async function partsOf(file) {
  if (READERS < 2 || file.size < PART_MIN_BYTES) return null;
  const head = new Uint8Array(await file.slice(0, 1 << 20).arrayBuffer());
  const format = wasm.sniff_format(head, head.length === file.size, file.name);
  if (!['jsonl', 'csv', 'tsv'].includes(format)) return null;
  const bounds = [0];
  for (let k = 1; k < READERS; k++) {
    const at = await partStartAtOrAfter(file, format, head, Math.floor((file.size * k) / READERS));
    if (at > bounds[bounds.length - 1] && at < file.size) bounds.push(at);
  }
  bounds.push(file.size);
  return bounds.length > 2 ? { bounds, format, head } : null;
}

/**
 * Where a part that should start at byte `pos` (> 0) of `file` starts: a line start at or
 * after it (for CSV, one that looks like a record's start: Engine's part_start); the
 * file's size when there is none.
 */
async function partStartAtOrAfter(file, format, head, pos) {
  const step = 1 << 20;
  for (let at = pos - 1; at < file.size; at += step) {
    const window = new Uint8Array(await file.slice(at, at + step).arrayBuffer());
    const i = wasm.part_start(format, head, window);
    if (i >= 0) return at + i;
  }
  return file.size;
}

/**
 * Starts one helper (www/part-worker.js) per part after the first of `cut` (partsOf);
 * each part gets `pieces` (its rows as bytes, in order), `done` (a promise settled when the
 * last piece is in, or the helper failed), `clean` (its bytes end at a record's start) and
 * its progress so far.
 */
function startParts(mine, file, cut, options) {
  const { bounds, format, head } = cut;
  const module = new URL(full ? FULL_MODULE : LEAN_MODULE, import.meta.url).href;
  const compiled = full ? fullCompiled : leanCompiled;
  mine.parts = bounds.slice(1, -1).map((start, j) => {
    const part = { start, end: bounds[j + 2], bytes: 0, records: 0, skipped: 0, pieces: [], clean: false, fail: null };
    part.worker = (!full && spareHelpers.pop()) || newHelper();
    let started = null;
    part.started = new Promise((resolve) => { started = resolve; });
    part.done = new Promise((resolve, reject) => {
      part.fail = reject;
      part.worker.onmessage = (e) => {
        const m = e.data || {};
        if (m.type === 'started') {
          started();
        } else if (m.type === 'progress') {
          part.bytes = m.bytes;
          part.records = m.records;
          part.skipped = m.skipped;
        } else if (m.type === 'piece') {
          part.pieces.push(m.bytes);
        } else if (m.type === 'part') {
          part.pieces.push(m.bytes);
          part.clean = m.clean;
          resolve();
        } else if (m.type === 'error') {
          reject(new Error(m.message));
        }
      };
      part.worker.onerror = (e) => {
        e.preventDefault();
        reject(new Error(e.message || 'the helper worker failed'));
      };
    });
    // A helper that fails before it starts must not hold up the read. (No `finally`: its
    // promise would reject again, unhandled.)
    part.done.then(started, started);
    part.worker.postMessage({
      type: 'part', module, compiled, file, format, head, start: part.start, end: part.end, options: options || null,
      panicAfter: failHelpersForTest ? 1 : 0,
    });
    return part;
  });
}

/** Helpers with the lean engine loaded, waiting for a part (see spareHelpersUp). */
const spareHelpers = [];

function newHelper() {
  return new Worker(new URL('./part-worker.js', import.meta.url), { type: 'module', name: 'tokenlens-part' });
}

/**
 * Starts the helpers a big file would need, with the lean engine loaded, so that its parts
 * start reading at once instead of after a worker's start (about 20 ms). Each reads one part
 * and is then terminated (its wasm memory is let go), so they are started again after each
 * load.
 */
function spareHelpersUp() {
  const module = new URL(LEAN_MODULE, import.meta.url).href;
  while (leanCompiled && spareHelpers.length < READERS - 1) {
    const worker = newHelper();
    worker.postMessage({ type: 'init', module, compiled: leanCompiled });
    spareHelpers.push(worker);
  }
}

/** Stops the helpers of a load (cancelled, failed or done). */
function stopParts(mine) {
  for (const part of mine.parts) {
    part.worker.terminate();
    part.fail(new Error('stopped'));
  }
  mine.parts = [];
}

/**
 * Reads `files` into the engine as one import and posts 'loaded' (or 'cancelled', or the
 * options' error); returns true. Returns false, having posted no result, as soon as the
 * lean engine meets a file only the full one reads. `t0`: when the load began; `view`: the
 * first dashboard's (its time zone and bucket width; every record).
 */
async function readImport(mine, files, options, t0, view) {
  engine.reset();
  let pricesError = null;
  if (pricesText) {
    try {
      engine.set_prices(pricesText);
    } catch (err) {
      if (isPanic(err)) throw err;
      // Saved prices the engine does not take: the built-in table, and the page says so.
      pricesText = '';
      pricesError = err && err.message ? err.message : String(err);
    }
  }
  if (options) {
    try {
      engine.set_options(options);
    } catch (err) {
      if (isPanic(err)) throw err;
      self.postMessage({
        type: 'error', id: mine.id, panic: false, fatal: false, options: true,
        message: `the field mapping cannot be used: ${err && err.message ? err.message : err}`,
      });
      return true;
    }
  }
  const needsFull = () => !full && engine.needs() !== '';
  const total = files.reduce((n, f) => n + f.size, 0);
  const tRead = performance.now();
  let lastPost = 0;
  let bytes = 0;
  let fileIndex = 0;
  const post = () => {
    const p = engine.progress();
    // Parts being read by helpers count too, until they are appended.
    let partBytes = 0;
    let partRecords = 0;
    let partSkipped = 0;
    for (const part of mine.parts) {
      partBytes += part.bytes;
      partRecords += part.records;
      partSkipped += part.skipped;
    }
    const secs = (performance.now() - tRead) / 1000;
    // A rate over the first moments says little; report it after half a second.
    const steady = secs >= 0.5;
    const done = bytes + partBytes;
    const records = p.records + partRecords;
    self.postMessage({
      type: 'progress', id: mine.id, bytes: done, total,
      records, skipped: p.skipped_lines + partSkipped,
      rate: steady ? done / secs : null, recordRate: steady ? records / secs : null,
      fileIndex, fileCount: files.length, fileName: files[fileIndex] ? files[fileIndex].name : '',
    });
  };
  /** Feeds `stream` to the engine; false when the load was cancelled or needs the full engine. */
  const feedStream = async (stream) => {
    const reader = stream.getReader();
    mine.reader = reader;
    for (;;) {
      const { done, value } = await reader.read();
      if (mine.cancelled) break;
      if (done) break;
      engine.feed(value);
      bytes += value.byteLength;
      // The lean engine knows from a file's first bytes whether it can read it.
      if (needsFull()) break;
      const now = performance.now();
      if (now - lastPost >= PROGRESS_EVERY_MS) {
        lastPost = now;
        post();
      }
    }
    mine.reader = null;
    if (mine.cancelled || needsFull()) {
      await reader.cancel().catch(() => {});
      return false;
    }
    return true;
  };
  /**
   * Ends a load that stopped early (cancelled: says so and returns true; the full engine
   * needed: returns false, and the caller reads the import again with it).
   */
  const stopped = async (stream) => {
    if (stream) await stream.cancel().catch(() => {});
    stopParts(mine);
    if (!mine.cancelled) return false;
    cancelled(mine);
    return true;
  };
  for (; fileIndex < files.length; fileIndex++) {
    const file = files[fileIndex];
    // A big file is cut at line starts: helpers read the later parts while this worker
    // reads the first, then their rows are appended in order.
    const cut = await partsOf(file);
    const stream = (cut ? file.slice(0, cut.bounds[1]) : file).stream();
    // Names the file in the engine's error reports; the files of one import are merged.
    engine.start_file(file.name);
    engine.expect_bytes(file.size);
    if (mine.cancelled || needsFull()) return stopped(stream);
    if (cut) {
      startParts(mine, file, cut, options);
      // Reading keeps this worker busy (a stream's chunks come as microtasks), so a helper
      // could not even start until it is done: they get their start first (a few tens of
      // ms), and at most a second.
      await Promise.race([Promise.all(mine.parts.map((p) => p.started)), sleep(1000)]);
    }
    if (!(await feedStream(stream))) return stopped(null);
    const ticker = setInterval(post, PROGRESS_EVERY_MS);
    try {
      for (const part of mine.parts) {
        // Its pieces are appended once all are in, so a helper that fails (or cannot
        // start) costs time, not records: its whole part is read here instead.
        const ok = await part.done.then(() => true, (err) => {
          if (!mine.cancelled) console.warn(`tokenlens: a part of ${file.name} is read again here: ${err && err.message ? err.message : err}`);
          return false;
        });
        part.worker.terminate();
        if (mine.cancelled) break;
        part.bytes = 0;
        part.records = 0;
        part.skipped = 0;
        // A CSV part cut inside a quoted field (it starts or ends inside a record) is read
        // here too: the engine refuses its first piece when the bytes before it end inside a
        // record, and the helper says whether its bytes end inside one.
        let appended = ok && (part.clean || part.end === file.size);
        for (let i = 0; appended && part.pieces.length; i++) {
          // Each piece is let go once appended.
          const piece = part.pieces.shift();
          try {
            engine.append_part(piece);
          } catch (err) {
            // Only the first piece can be refused (nothing appended yet).
            if (isPanic(err) || i > 0) throw err;
            appended = false;
          }
        }
        part.pieces = [];
        if (appended) {
          bytes += part.end - part.start;
        } else if (!(await feedStream(file.slice(part.start, part.end).stream()))) {
          break;
        }
      }
    } finally {
      clearInterval(ticker);
    }
    if (mine.cancelled) {
      await stopped(null);
      return true;
    }
    mine.parts = [];
  }
  fileIndex = files.length - 1;
  post();
  const report = plain(engine.finish());
  // A file too short to tell before its end is only marked by finish.
  if (!full && (report.files || []).some((f) => f.needs === 'columnar')) return false;
  const dashboardJson = engine.dashboard_json({ ...(view || {}), models: [], applications: [] });
  self.postMessage({
    type: 'loaded', id: mine.id, report, dashboardJson, bytes,
    elapsedMs: performance.now() - t0, pricesError,
  });
  return true;
}

/** The full build's module, loaded once. */
async function fullModule() {
  if (!fullLoading) {
    fullLoading = import(FULL_MODULE).then(async (mod) => {
      fullCompiled = await initEngine(mod, FULL_WASM);
      return mod;
    });
    fullLoading.catch(() => { fullLoading = null; });
  }
  try {
    return await fullLoading;
  } catch (err) {
    throw new Error(`could not load the Parquet/Arrow reader (${FULL_MODULE}): ${err && err.message ? err.message : err}`);
  }
}

/**
 * Reads a record of a Parquet or Arrow File `msg.file` back for the drill-down drawer,
 * decoded by the full build: {coding: 'parquet', offset: its row number} or {coding:
 * 'arrow', format: 'arrow' | 'arrows', offset: its batch's message, row: its row in the
 * batch}. Answers {type: 'record', id, ok, text (a JSON object), message}. It uses no
 * engine state, so it does not wait behind queued work.
 */
async function columnarRecord(msg) {
  try {
    const mod = await fullModule();
    const { file } = msg;
    const bytes = async (from, to) => new Uint8Array(await file.slice(from, to).arrayBuffer());
    const size = file.size;
    if (msg.coding === 'arrow') {
      // A message's length is known from its first bytes (prefix and metadata).
      const message = async (at) => {
        let head = 1 << 16;
        for (;;) {
          const first = await bytes(at, Math.min(size, at + head));
          const len = mod.arrow_message_len(first);
          if (len >= 0) return len <= first.length ? first.subarray(0, len) : bytes(at, at + len);
          if (at + head >= size) throw new Error('the file ends inside a message');
          head *= 4;
        }
      };
      let schema;
      if (msg.format === 'arrows') {
        schema = await message(0);
      } else {
        if (size < 10) throw new Error('the file is too short for Arrow IPC');
        const footerLen = mod.arrow_footer_len(await bytes(size - 10, size));
        if (footerLen > size) throw new Error('the footer is longer than the file');
        schema = await bytes(size - footerLen, size);
      }
      const batch = await message(msg.offset);
      const text = mod.arrow_record(schema, msg.format !== 'arrows', batch, msg.row);
      self.postMessage({ type: 'record', id: msg.id, ok: true, text, bytesRead: schema.length + batch.length });
      return;
    }
    if (size < 12) throw new Error('the file is too short for Parquet');
    const footerLen = mod.parquet_footer_len(await bytes(size - 8, size));
    if (footerLen > size) throw new Error('the footer is longer than the file');
    const footer = await bytes(size - footerLen, size);
    const at = mod.parquet_locate(footer, size, msg.offset);
    const text = mod.parquet_record(footer, size, at, await bytes(at.start, at.end));
    self.postMessage({ type: 'record', id: msg.id, ok: true, text, rowGroup: at.row_group, bytesRead: 8 + footerLen + at.end - at.start });
  } catch (err) {
    if (isPanic(err)) reportError(msg.id, err);
    else self.postMessage({ type: 'record', id: msg.id, ok: false, message: err && err.message ? err.message : String(err) });
  }
}

/**
 * Replaces the lean engine by the full one (loading pkg/tokenlens_full.js once), telling the
 * page in the progress text. The engine state to carry over is the import itself, which
 * the caller reads again.
 */
async function useFullEngine(mine, files) {
  self.postMessage({
    type: 'progress', id: mine.id, bytes: 0, total: files.reduce((n, f) => n + f.size, 0),
    records: 0, skipped: 0, rate: null, recordRate: null,
    fileIndex: 0, fileCount: files.length, fileName: files[0] ? files[0].name : '',
    note: 'Loading the Parquet/Arrow reader…',
  });
  const mod = await fullModule();
  const next = new mod.Engine();
  try { engine.free(); } catch { /* the lean instance is dropped either way */ }
  engine = next;
  wasm = mod;
  full = true;
}

/**
 * Checks mapping options without loading anything (the dialog shows the reason when they
 * are wrong). The loaded table is untouched; the next load resets the options anyway.
 */
function checkOptions(msg) {
  try {
    engine.set_options(msg.options || undefined);
    engine.set_options(undefined);
    self.postMessage({ type: 'options', id: msg.id, ok: true, message: '' });
  } catch (err) {
    if (isPanic(err)) {
      reportError(msg.id, err);
      return;
    }
    self.postMessage({ type: 'options', id: msg.id, ok: false, message: err && err.message ? err.message : String(err) });
  }
}

function cancelled(mine) {
  try {
    engine.reset();
  } catch (err) {
    reportError(mine.id, err);
    return;
  }
  self.postMessage({ type: 'cancelled', id: mine.id });
}

function view(msg) {
  try {
    // The engine's time for the view (computing every panel and handing it to JS), for
    // bench/browser.mjs; the page does not use it.
    const t0 = performance.now();
    const dashboardJson = engine.dashboard_json(msg.view);
    const engineMs = performance.now() - t0;
    self.postMessage({ type: 'dashboard', id: msg.id, dashboardJson, engineMs });
  } catch (err) {
    reportError(msg.id, err);
  }
}

/** Up to `limit` requests of a view for the drill-down list, each with its line's span. */
function requests(msg) {
  try {
    const rows = plain(engine.requests(msg.view, msg.order, msg.limit));
    self.postMessage({ type: 'requests', id: msg.id, order: msg.order, rows });
  } catch (err) {
    reportError(msg.id, err);
  }
}

/** The anomaly flags of a view (asked for after its dashboard: they look at every group). */
function anomalies(msg) {
  try {
    const flags = plain(engine.anomalies(msg.view));
    self.postMessage({ type: 'anomalies', id: msg.id, flags });
  } catch (err) {
    reportError(msg.id, err);
  }
}

/**
 * Fired alerts of a view and the budgets' status, under the page's rules (`msg.rules`: a
 * rules file's JSON text; empty for the default rules and no budgets).
 */
function alerts(msg) {
  try {
    engine.set_rules(msg.rules || '');
    const fired = plain(engine.alerts(msg.view));
    const budgets = plain(engine.budgets(msg.view && msg.view.tz ? msg.view.tz : 'UTC'));
    self.postMessage({ type: 'alerts', id: msg.id, alerts: fired, budgets, rules: engine.rules_json() });
  } catch (err) {
    reportError(msg.id, err);
  }
}

/** Whether the engine accepts a rules text: {ok} or {ok: false, message}. */
function checkRules(msg) {
  try {
    engine.set_rules(msg.rules || '');
    self.postMessage({ type: 'rules-checked', id: msg.id, ok: true });
  } catch (err) {
    self.postMessage({ type: 'rules-checked', id: msg.id, ok: false, message: err && err.message ? err.message : String(err) });
  }
}

/** Prices the records again with `msg.text` (the user's prices; '' for the built-in table). */
function prices(msg) {
  try {
    engine.set_prices(msg.text || '');
    pricesText = msg.text || '';
    self.postMessage({ type: 'prices', id: msg.id, ok: true, models: plain(engine.model_prices()) });
  } catch (err) {
    if (isPanic(err)) {
      reportError(msg.id, err);
      return;
    }
    self.postMessage({ type: 'prices', id: msg.id, ok: false, message: err && err.message ? err.message : String(err) });
  }
}

function enqueue(fn) {
  queue = queue.then(async () => {
    if (!(await started) || dead) return;
    await fn();
  });
}

/**
 * Generated records the engine reads (as JSON Lines and as CSV) once it has started, before
 * any file, and throws away (the engine's warm_up). Why: V8 first runs wasm code unoptimised
 * and optimises a function only once it has run a while; a function called once with a
 * long loop (the finish's sort, the cube's pass) stays unoptimised for that whole call.
 * Measured on fresh pages (headless Chromium, 2 cores, medians of 9 loads of 1M records):
 * JSON Lines 1,723 -> 1,585 ms, CSV 1,580 -> 1,437 ms. 10,000 records take about 0.2 s
 * here; 20,000 gained no more.
 */
const WARM_UP_RECORDS = 10000;
enqueue(() => {
  try {
    wasm.warm_up(WARM_UP_RECORDS);
  } catch (err) {
    // A bug, but not one to stop the page for: the person's files may not meet it.
    console.warn(`tokenlens: the engine's warm-up failed: ${err && err.message ? err.message : err}`);
    engine = new wasm.Engine();
  }
  spareHelpersUp();
});

self.onmessage = (e) => {
  const msg = e.data || {};
  switch (msg.type) {
    case 'load':
      // A new file replaces whatever is being read.
      if (job) {
        job.cancelled = true;
        if (job.reader) job.reader.cancel().catch(() => {});
        stopParts(job);
      }
      enqueue(() => load(msg));
      break;
    case 'cancel':
      if (job && (msg.id == null || job.id === msg.id)) {
        job.cancelled = true;
        if (job.reader) job.reader.cancel().catch(() => {});
        stopParts(job);
      } else if (msg.id != null) {
        cancelledEarly.add(msg.id); // Still queued behind engine start-up or another task.
      }
      break;
    case 'check-options':
      enqueue(() => checkOptions(msg));
      break;
    case 'view':
      enqueue(() => view(msg));
      break;
    case 'requests':
      enqueue(() => requests(msg));
      break;
    case 'anomalies':
      enqueue(() => anomalies(msg));
      break;
    case 'alerts':
      enqueue(() => alerts(msg));
      break;
    case 'check-rules':
      enqueue(() => checkRules(msg));
      break;
    case 'prices':
      enqueue(() => prices(msg));
      break;
    case 'model-prices':
      enqueue(() => {
        try {
          self.postMessage({ type: 'prices', id: msg.id, ok: true, models: plain(engine.model_prices()) });
        } catch (err) {
          reportError(msg.id, err);
        }
      });
      break;
    case 'export-prices':
      enqueue(() => {
        try {
          self.postMessage({ type: 'prices-export', id: msg.id, text: engine.prices_json() });
        } catch (err) {
          reportError(msg.id, err);
        }
      });
      break;
    case 'record':
      columnarRecord(msg);
      break;
    case 'test-fail-helpers':
      failHelpersForTest = true;
      break;
    case 'test-panic':
      enqueue(() => {
        try {
          wasm.trigger_panic_for_test();
          reportError(msg.id ?? null, new Error('trigger_panic_for_test returned without panicking'));
        } catch (err) {
          reportError(msg.id ?? null, err);
        }
      });
      break;
    default:
      self.postMessage({ type: 'error', id: msg.id ?? null, message: `unknown message type ${msg.type}`, panic: false, fatal: false });
  }
};

self.addEventListener('unhandledrejection', (e) => {
  e.preventDefault();
  reportError(null, e.reason);
});
