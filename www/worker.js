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
//               {type:'test-panic'}
// Messages out: {type:'started'}
//               {type:'progress', id, bytes, total, records, skipped, rate, recordRate,
//                fileIndex, fileCount, fileName}
//               {type:'loaded', id, report, dashboard, bytes, elapsedMs}
//               {type:'cancelled', id}
//               {type:'options', id, ok, message}
//               {type:'dashboard', id, dashboard}
//               {type:'requests', id, order, rows}
//               {type:'anomalies', id, flags}
//               {type:'error', id, message, panic, fatal, options}
//
// `options` are the mapping dialog's {format, map, ts_unit, start, model} (or null): they
// are set after the engine is reset, so they apply to that import only.
//
// After a wasm panic the instance is unusable (the release build aborts), so the worker
// reports {fatal:true} and refuses further work; the page then replaces the worker.

import init, { Engine, last_panic, trigger_panic_for_test } from './pkg/tokenlens.js';

const PROGRESS_EVERY_MS = 100;

let engine = null;
let dead = false;
/** The load in flight: {id, cancelled, reader}. */
let job = null;
/** Loads cancelled before they started. */
const cancelledEarly = new Set();
/** Serialises loads and queries; cancel bypasses it. */
let queue = Promise.resolve();

const started = init().then(
  () => {
    engine = new Engine();
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
    const p = last_panic();
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
  try {
    engine.reset();
    if (msg.options) {
      try {
        engine.set_options(msg.options);
      } catch (err) {
        if (isPanic(err)) throw err;
        self.postMessage({
          type: 'error', id: mine.id, panic: false, fatal: false, options: true,
          message: `the field mapping cannot be used: ${err && err.message ? err.message : err}`,
        });
        return;
      }
    }
    const total = files.reduce((n, f) => n + f.size, 0);
    const t0 = performance.now();
    let lastPost = 0;
    let bytes = 0;
    let fileIndex = 0;
    const post = () => {
      const p = engine.progress();
      const secs = (performance.now() - t0) / 1000;
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
      if (mine.cancelled) {
        await stream.cancel().catch(() => {});
        return cancelled(mine);
      }
      const reader = stream.getReader();
      mine.reader = reader;
      for (;;) {
        const { done, value } = await reader.read();
        if (mine.cancelled) break;
        if (done) break;
        engine.feed(value);
        bytes += value.byteLength;
        const now = performance.now();
        if (now - lastPost >= PROGRESS_EVERY_MS) {
          lastPost = now;
          post();
        }
      }
      if (mine.cancelled) {
        await reader.cancel().catch(() => {});
        return cancelled(mine);
      }
      mine.reader = null;
    }
    fileIndex = files.length - 1;
    post();
    const report = plain(engine.finish());
    const dashboard = plain(engine.dashboard({ models: [], applications: [] }));
    self.postMessage({
      type: 'loaded', id: mine.id, report, dashboard, bytes,
      elapsedMs: performance.now() - t0,
    });
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
    const dashboard = plain(engine.dashboard(msg.view));
    self.postMessage({ type: 'dashboard', id: msg.id, dashboard });
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
    case 'test-panic':
      enqueue(() => {
        try {
          trigger_panic_for_test();
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
