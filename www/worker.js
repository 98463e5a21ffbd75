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
//               {type:'test-panic'}
// Messages out: {type:'started'}
//               {type:'progress', id, bytes, total, records, skipped, rate, recordRate,
//                fileIndex, fileCount, fileName}
//               {type:'loaded', id, report, dashboardJson, bytes, elapsedMs, pricesError}
//               {type:'cancelled', id}
//               {type:'options', id, ok, message}
//               {type:'dashboard', id, dashboardJson, engineMs}
//               {type:'requests', id, order, rows}
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

const FULL_MODULE = './pkg/tokenlens_full.js';

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

const started = wasm.default().then(
  () => {
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
  const mine = { id: msg.id, cancelled: cancelledEarly.delete(msg.id), reader: null };
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
    if (job === mine) job = null;
  }
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
    const secs = (performance.now() - tRead) / 1000;
    // A rate over the first moments says little; report it after half a second.
    const steady = secs >= 0.5;
    self.postMessage({
      type: 'progress', id: mine.id, bytes, total,
      records: p.records, skipped: p.skipped_lines,
      rate: steady ? bytes / secs : null, recordRate: steady ? p.records / secs : null,
      fileIndex, fileCount: files.length, fileName: files[fileIndex] ? files[fileIndex].name : '',
    });
  };
  for (; fileIndex < files.length; fileIndex++) {
    const file = files[fileIndex];
    const stream = file.stream();
    // Names the file in the engine's error reports; the files of one import are merged.
    engine.start_file(file.name);
    if (mine.cancelled || needsFull()) {
      await stream.cancel().catch(() => {});
      if (!mine.cancelled) return false;
      cancelled(mine);
      return true;
    }
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
    if (mine.cancelled || needsFull()) {
      await reader.cancel().catch(() => {});
      mine.reader = null;
      if (!mine.cancelled) return false;
      cancelled(mine);
      return true;
    }
    mine.reader = null;
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
      await mod.default();
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
 * Reads row `msg.row` (a record's span_offset) of the Parquet File `msg.file` back for the
 * drill-down drawer: its last 8 bytes, its footer, then that row's row group only, decoded
 * by the full build. Answers {type: 'record', id, ok, text (a JSON object), message}. It
 * uses no engine state, so it does not wait behind queued work.
 */
async function parquetRecord(msg) {
  try {
    const mod = await fullModule();
    const { file } = msg;
    const bytes = async (from, to) => new Uint8Array(await file.slice(from, to).arrayBuffer());
    const size = file.size;
    if (size < 12) throw new Error('the file is too short for Parquet');
    const footerLen = mod.parquet_footer_len(await bytes(size - 8, size));
    if (footerLen > size) throw new Error('the footer is longer than the file');
    const footer = await bytes(size - footerLen, size);
    const at = mod.parquet_locate(footer, size, msg.row);
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

self.onmessage = (e) => {
  const msg = e.data || {};
  switch (msg.type) {
    case 'load':
      // A new file replaces whatever is being read.
      if (job) {
        job.cancelled = true;
        if (job.reader) job.reader.cancel().catch(() => {});
      }
      enqueue(() => load(msg));
      break;
    case 'cancel':
      if (job && (msg.id == null || job.id === msg.id)) {
        job.cancelled = true;
        if (job.reader) job.reader.cancel().catch(() => {});
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
      parquetRecord(msg);
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
