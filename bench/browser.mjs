// Browser side, in one headless Chromium (Debian's), median of N runs per file:
// - tokenlens: time from choosing a file in #file-input to a drawn dashboard
//   (body[data-state=ready]), in the page's clock: from the input's change event to the
//   state change, seen by a MutationObserver (both pages alike; `all_outer_ms` has the time
//   as seen from outside, polled at animation frames, which adds tens of ms); then the
//   re-aggregation after a filter change (data-state goes loading -> ready, charts
//   redrawn), twice: a model chosen in #filter-model, then (the model set back to all,
//   untimed) "Last 24 hours" in #filter-range; the page's time to interactive.
// - with --peer-url, the DuckDB-WASM peer page (bench/duckdb/, served by
//   bench/serve-bench.mjs) on the same files in the same browser, runs interleaved with
//   tokenlens': its start-up (instantiate + open + connect), file chosen -> ingest + the
//   dashboard's queries done, and the same two re-aggregations (same model, same window).
// Both pages' figures (requests, p95; of all records, of the model, of the window) are
// checked against each other. Files are JSONL or CSV (by extension): the peer page reads CSV
// with DuckDB's read_csv.
// In every run, for both pages (one page open at a time, so the renderer process is the one
// whose threads include a dedicated worker):
// - memory: the renderer process's RSS (/proc/PID/status) before the file is given, its
//   peak while the file is read (VmHWM after resetting it, and polled every 100 ms), and
//   after the dashboard is ready, after a GC in the page and its workers (Chromium runs
//   with --js-flags=--expose-gc) and a short settle; the engine's wasm memory
//   (WebAssembly.Memory.buffer.byteLength) before and after, read in the worker through
//   Playwright's worker.evaluate: tokenlens' from its wasm-bindgen module (imported again,
//   the same instance), DuckDB-WASM's as noted by bench/duckdb/probe-worker.js.
// - main-thread responsiveness: a PerformanceObserver({type: 'longtask'}) set up in the
//   page before the file is given; the longest task (and how many of 50 ms or more) from
//   the file given until the dashboard is ready.
//
//   node bench/browser.mjs --url http://127.0.0.1:8090/ [--peer-url http://127.0.0.1:8091/duckdb/]
//        [--runs 5] [--model NAME] [--label NAME] [--no-reaggregate] FILE [FILE...]
//
// Prints one JSON object per file and engine (with `label` when given), then the pages'
// times to interactive.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const args = process.argv.slice(2);
let url = 'http://127.0.0.1:8090/';
let peerUrl = null;
let runs = 5;
let model = null;
let label = null;
let reaggregateToo = true;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--url') url = args[++i];
  else if (args[i] === '--peer-url') peerUrl = args[++i];
  else if (args[i] === '--runs') runs = Number(args[++i]);
  else if (args[i] === '--model') model = args[++i];
  else if (args[i] === '--label') label = args[++i];
  else if (args[i] === '--no-reaggregate') reaggregateToo = false;
  else files.push(args[i]);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round1 = (x) => Math.round(x * 10) / 10;
const LONG = 1_800_000;
// The time range of the second re-aggregation: "Last 24 hours" in both pages' #filter-range.
const RANGE = '86400000';
const formatOf = (file) => (/\.csv$/i.test(file) ? 'csv' : 'jsonl');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Progress on stderr with BENCH_DEBUG=1. */
const debug = process.env.BENCH_DEBUG === '1'
  ? (...xs) => console.error(new Date().toISOString().slice(11, 23), ...xs) : () => {};

const dir = mkdtempSync(join(tmpdir(), 'tokenlens-bench-'));
const ctx = await chromium.launchPersistentContext(dir, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1366, height: 768 },
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--js-flags=--expose-gc'],
});

// ---------- the renderer process, from /proc ----------

function procStatus(pid) {
  try {
    return readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
}

function procField(status, name) {
  const m = status && new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status);
  return m ? Number(m[1]) : null;
}

/** Resident set size of `pid` in bytes (null once it is gone). */
function rss(pid) {
  const kb = procField(procStatus(pid), 'VmRSS');
  return kb === null ? null : kb * 1024;
}

/** Peak resident set size of `pid` in bytes since start or the last resetPeak. */
function peakRss(pid) {
  const kb = procField(procStatus(pid), 'VmHWM');
  return kb === null ? null : kb * 1024;
}

/** Resets VmHWM to the current RSS (clear_refs 5; needs to own the process or root). */
function resetPeak(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Our Chromium's processes: the one with our --user-data-dir and its descendants. */
function ourProcesses() {
  const procs = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let cmd;
    try {
      cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    const ppid = procField(procStatus(name), 'PPid');
    if (ppid !== null) procs.push({ pid: Number(name), ppid, cmd });
  }
  const ours = new Set(procs.filter((p) => p.cmd.includes(`--user-data-dir=${dir}`)).map((p) => p.pid));
  for (let grew = true; grew;) {
    grew = false;
    for (const p of procs) {
      if (!ours.has(p.pid) && ours.has(p.ppid)) {
        ours.add(p.pid);
        grew = true;
      }
    }
  }
  return procs.filter((p) => ours.has(p.pid));
}

function threadNames(pid) {
  try {
    return readdirSync(`/proc/${pid}/task`).map((t) => {
      try {
        return readFileSync(`/proc/${pid}/task/${t}/comm`, 'utf8').trim();
      } catch {
        return '';
      }
    });
  } catch {
    return [];
  }
}

/**
 * The renderer process of the one open page: the renderer with a dedicated-worker thread
 * (both pages start their worker on load; spare renderers have none). Waits for a closed
 * page's renderer to be gone.
 */
async function pageRenderer() {
  for (let i = 0; i < 100; i++) {
    const found = ourProcesses()
      .filter((p) => p.cmd.includes('--type=renderer'))
      .filter((p) => threadNames(p.pid).some((t) => t.startsWith('DedicatedWorke')));
    if (found.length === 1) return found[0].pid;
    await sleep(100);
  }
  throw new Error('could not tell which renderer process is the page\'s');
}

/** Polls a process's RSS until stopped; stop() gives the peak seen (also VmHWM). */
function watchPeak(pid) {
  const reset = resetPeak(pid);
  let peak = rss(pid) || 0;
  const timer = setInterval(() => {
    const r = rss(pid);
    if (r !== null && r > peak) peak = r;
  }, 100);
  return () => {
    clearInterval(timer);
    const hwm = reset ? peakRss(pid) : null;
    return Math.max(peak, rss(pid) || 0, hwm || 0);
  };
}

/** A GC in the page and its workers, then a short settle. */
async function collectGarbage(page) {
  await page.evaluate(() => (typeof gc === 'function' ? gc() : undefined));
  for (const w of page.workers()) await w.evaluate(() => (typeof gc === 'function' ? gc() : undefined));
  await sleep(500);
}

/** tokenlens' wasm memory in bytes: the engine's (worker) and the page's (charts). */
async function tokenlensWasm(page) {
  const size = () => import(new URL('./pkg/tokenlens.js', self.location.href).href)
    .then((m) => m.default()).then((exports) => exports.memory.buffer.byteLength);
  const worker = page.workers().find((w) => /\/worker\.js(\?|$)/.test(w.url()));
  if (!worker) throw new Error('tokenlens\' worker is not running');
  return { engine: await worker.evaluate(size), page: await page.evaluate(size) };
}

/** DuckDB-WASM's wasm memory in bytes, as bench/duckdb/probe-worker.js noted it. */
async function duckdbWasm(page) {
  for (const w of page.workers()) {
    const n = await w.evaluate(() => (self.__wasmMemory ? self.__wasmMemory.buffer.byteLength : null));
    if (n !== null) return n;
  }
  throw new Error('DuckDB-WASM\'s wasm memory was not found (probe-worker.js)');
}

/**
 * Starts recording long tasks on the page's main thread (from now on), and long animation
 * frames, whose script attribution says what the longest task was running.
 */
function watchLongTasks(page) {
  return page.evaluate(() => {
    const tasks = [];
    const frames = [];
    const since = performance.now();
    const keep = (into) => (list) => {
      for (const e of list.getEntries()) if (e.startTime >= since) into.push(e);
    };
    const obs = new PerformanceObserver(keep(tasks));
    obs.observe({ type: 'longtask' });
    let loaf = null;
    if (PerformanceObserver.supportedEntryTypes.includes('long-animation-frame')) {
      loaf = new PerformanceObserver(keep(frames));
      loaf.observe({ type: 'long-animation-frame' });
    }
    window.__benchLongTasks = () => {
      keep(tasks)({ getEntries: () => obs.takeRecords() });
      obs.disconnect();
      if (loaf) {
        keep(frames)({ getEntries: () => loaf.takeRecords() });
        loaf.disconnect();
      }
      // What ran in the frame that overlaps the longest task most: its longest script.
      let cause = '';
      const longest = tasks.reduce((a, e) => (!a || e.duration > a.duration ? e : a), null);
      if (longest) {
        const end = longest.startTime + longest.duration;
        const overlap = (f) => Math.min(end, f.startTime + f.duration) - Math.max(longest.startTime, f.startTime);
        const frame = frames.filter((f) => overlap(f) > 0).sort((a, b) => overlap(b) - overlap(a))[0];
        const script = frame && [...frame.scripts].sort((a, b) => b.duration - a.duration)[0];
        if (script) {
          const file = (script.sourceURL || '').split('/').pop();
          const fn = script.sourceFunctionName ? ` ${script.sourceFunctionName}` : '';
          cause = `${script.invoker || script.invokerType || 'script'} ->${fn} (${file}) ${Math.round(script.duration)} ms`;
        }
      }
      const loadedAt = window.__benchLoadedAt;
      const ingest = loadedAt === undefined ? null
        : tasks.filter((e) => e.startTime < loadedAt - 1).map((e) => e.duration);
      return { durations: tasks.map((e) => e.duration), ingest, cause, frames: frames.length };
    };
  });
}

/** The long tasks recorded since watchLongTasks: {longestMs (0 if none), count, cause}. */
async function longTasks(page) {
  await sleep(300); // Let the observers' last entries arrive.
  const { durations, ingest, cause, frames } = await page.evaluate(() => window.__benchLongTasks());
  debug('long tasks', durations, 'while reading', ingest, 'frames', frames, cause);
  const longest = (xs) => (xs.length ? round1(Math.max(...xs)) : 0);
  return {
    longestMs: longest(durations),
    count: durations.length,
    cause,
    // Before the worker's 'loaded' message (tokenlens only; null for the peer page).
    ingestLongestMs: ingest ? longest(ingest) : null,
    ingestCount: ingest ? ingest.length : null,
  };
}

async function freshPage(pageUrl, interactive, init = null) {
  const page = await ctx.newPage();
  if (init) await page.addInitScript(init);
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const t0 = Date.now();
  await page.goto(pageUrl);
  await page.waitForFunction(interactive, null, { polling: 'raf', timeout: LONG });
  return { page, interactiveMs: Date.now() - t0, errors };
}

/**
 * Times a load in the page's own clock, from the file input's `change` event (the moment the
 * page learns of the file) to the first data-state 'ready' or 'error' after it, seen by a
 * MutationObserver. Polling from outside (waitForFunction with `raf`) sees it later, by
 * 40-60 ms in runs here, more under load. Set up before the load starts; returns a
 * function that resolves to the ms, rounded, once it is done.
 */
async function timeLoad(page) {
  await page.evaluate(() => {
    window.__benchLoad = new Promise((resolve) => {
      const body = document.body;
      let t0 = null;
      document.getElementById('file-input').addEventListener('change', () => {
        t0 = performance.now();
      }, { capture: true, once: true });
      const obs = new MutationObserver(() => {
        if (t0 !== null && ['ready', 'error'].includes(body.dataset.state)) {
          obs.disconnect();
          resolve(Math.round(performance.now() - t0));
        }
      });
      obs.observe(body, { attributes: true, attributeFilter: ['data-state'] });
    });
  });
  return () => page.evaluate(() => window.__benchLoad);
}

/** Chooses `value` in the select `id`; ms (timed in the page) until data-state is 'ready' again. */
function reaggregate(page, id, value) {
  return page.evaluate(([id, v]) => new Promise((resolve, reject) => {
    const select = document.getElementById(id);
    const body = document.body;
    const obs = new MutationObserver(() => {
      const s = body.dataset.state;
      if (s === 'ready' || s === 'error') {
        obs.disconnect();
        if (s === 'ready') resolve(performance.now() - t0);
        else reject(new Error(`page error after choosing ${v}: ${body.dataset.error || document.getElementById('error')?.textContent}`));
      }
    });
    obs.observe(body, { attributes: true, attributeFilter: ['data-state'] });
    const t0 = performance.now();
    select.value = v;
    if (select.value !== v) reject(new Error(`no option ${v} in #${id}`));
    select.dispatchEvent(new Event('change', { bubbles: true }));
  }), [id, value]);
}

/**
 * Waits for what the tokenlens page asks after a view is drawn (anomaly flags, alerts, the
 * request list) to be done, then a short pause, so that a timed filter change starts with
 * an idle worker rather than behind the last view's anomaly flags.
 */
async function settle(page) {
  await page.waitForFunction(() => ['anomalies', 'alerts-card', 'requests']
    .every((id) => document.getElementById(id)?.dataset.state !== 'loading'),
  null, { polling: 'raf', timeout: LONG });
  await sleep(300);
}

/** The model to filter on: --model, else the first one the page offers. */
async function pickModel(page) {
  const options = await page.$$eval('#filter-model option', (os) => os.map((o) => o.value).filter(Boolean));
  if (model !== null) {
    if (!options.includes(model)) throw new Error(`--model ${model} is not in the data (${options.join(', ')})`);
    return model;
  }
  return options[0];
}

/**
 * Runs in the tokenlens page before its scripts: notes (performance.now()) when the first
 * 'loaded' message of the engine's worker arrives, so the long tasks can be split into those
 * while the file is read and those after (the page drawing the dashboard), and the engine's
 * time of the last 'dashboard' message. One more message listener on the worker; nothing else
 * changes.
 */
function noteLoaded() {
  const Base = window.Worker;
  window.Worker = class extends Base {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => {
        // Read the clock before e.data: reading it deserialises the message (the whole first
        // dashboard), which is part of the task that draws it, not of reading the file.
        const now = performance.now();
        if (e.data && e.data.type === 'loaded' && window.__benchLoadedAt === undefined) {
          window.__benchLoadedAt = now;
        }
        // The worker's own time for the last view (every panel computed and handed to JS).
        if (e.data && e.data.type === 'dashboard') window.__benchEngineMs = e.data.engineMs;
      });
    }
  };
}

/** One tokenlens run: timings, figures, memory and long tasks. */
async function tokenlensRun(file) {
  const { page, interactiveMs, errors } = await freshPage(url, () => document.body.dataset.state !== 'loading'
    && document.querySelector('#file-input'), noteLoaded);
  try {
    // Let the worker finish starting so only ingest + dashboard is timed.
    await page.waitForTimeout(300);
    const pid = await pageRenderer();
    debug('tokenlens renderer', pid);
    await collectGarbage(page);
    const wasmBefore = await tokenlensWasm(page);
    debug('tokenlens wasm before', wasmBefore);
    const rssBefore = rss(pid);
    await watchLongTasks(page);
    const stopPeak = watchPeak(pid);
    const timed = await timeLoad(page);
    const t0 = Date.now();
    await page.setInputFiles('#file-input', file);
    await page.waitForFunction(() => document.body.dataset.state === 'ready'
      && document.querySelector('[data-kpi="requests"]')?.dataset.value,
    null, { polling: 'raf', timeout: LONG });
    const outerMs = Date.now() - t0;
    const loadMs = await timed();
    debug('loaded', file, loadMs);
    const rssPeak = stopPeak();
    const tasks = await longTasks(page);
    const kpi = (name) => page.$eval(`[data-kpi="${name}"]`, (e) => Number(e.dataset.value));
    const requests = await kpi('requests');
    const p95 = await kpi('p95_ms');
    if (!(requests > 0)) throw new Error(`no records loaded from ${file}`);
    await collectGarbage(page);
    const wasmAfter = await tokenlensWasm(page);
    const rssAfter = rss(pid);
    const m = await pickModel(page);
    const engineMs = () => page.evaluate(() => window.__benchEngineMs);
    const re = {};
    if (reaggregateToo) {
      await settle(page);
      re.reaggMs = await reaggregate(page, 'filter-model', m);
      re.reaggEngineMs = await engineMs();
      re.modelRequests = await kpi('requests');
      await settle(page);
      await reaggregate(page, 'filter-model', '');
      await settle(page);
      re.rangeMs = await reaggregate(page, 'filter-range', RANGE);
      re.rangeEngineMs = await engineMs();
      re.rangeRequests = await kpi('requests');
      re.rangeP95 = await kpi('p95_ms');
    }
    if (errors.length) throw new Error(`tokenlens page errors: ${errors.join('; ')}`);
    return {
      reaggMs: null, reaggEngineMs: null, modelRequests: null,
      rangeMs: null, rangeEngineMs: null, rangeRequests: null, rangeP95: null, ...re,
      loadMs, outerMs, model: m, requests, p95, interactiveMs,
      rssBefore, rssPeak, rssAfter,
      wasmBefore: wasmBefore.engine, wasmAfter: wasmAfter.engine, pageWasmAfter: wasmAfter.page,
      longestTaskMs: tasks.longestMs, longTasks: tasks.count, longestTaskCause: tasks.cause,
      ingestLongestTaskMs: tasks.ingestLongestMs, ingestLongTasks: tasks.ingestCount,
    };
  } finally {
    await page.close();
  }
}

/** One DuckDB-WASM run: the peer page's own timings plus the same outside ones. */
async function peerRun(file, m) {
  const { page, interactiveMs, errors } = await freshPage(peerUrl,
    () => ['empty', 'error'].includes(document.body.dataset.state));
  try {
    const data = () => page.evaluate(() => ({ ...document.body.dataset }));
    let d = await data();
    if (d.state === 'error') throw new Error(`DuckDB-WASM did not start: ${d.error}`);
    await page.waitForTimeout(300);
    const pid = await pageRenderer();
    debug('duckdb renderer', pid);
    await collectGarbage(page);
    const wasmBefore = await duckdbWasm(page);
    debug('duckdb wasm before', wasmBefore);
    const rssBefore = rss(pid);
    await watchLongTasks(page);
    const stopPeak = watchPeak(pid);
    const timed = await timeLoad(page);
    const t0 = Date.now();
    await page.setInputFiles('#file-input', file);
    await page.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset.state),
      null, { polling: 'raf', timeout: LONG });
    const outerMs = Date.now() - t0;
    const loadMs = await timed();
    debug('loaded', file, loadMs);
    const rssPeak = stopPeak();
    const tasks = await longTasks(page);
    d = await data();
    if (d.state === 'error') throw new Error(`DuckDB-WASM failed on ${file}: ${d.error}`);
    const loaded = d;
    await collectGarbage(page);
    const wasmAfter = await duckdbWasm(page);
    const rssAfter = rss(pid);
    const re = {};
    if (reaggregateToo) {
      re.reaggMs = await reaggregate(page, 'filter-model', m);
      re.modelRequests = Number((await data()).requests);
      await reaggregate(page, 'filter-model', '');
      await sleep(300);
      re.rangeMs = await reaggregate(page, 'filter-range', RANGE);
      d = await data();
      re.rangeRequests = Number(d.requests);
      re.rangeP95 = Number(d.p95Ms);
      re.rangeBucketSecs = Number(d.bucketSecs);
    }
    if (errors.length) throw new Error(`peer page errors: ${errors.join('; ')}`);
    return {
      interactiveMs,
      startupMs: Number(loaded.startupMs),
      instantiateMs: Number(loaded.instantiateMs),
      loadMs,
      outerMs,
      ingestMs: Number(loaded.ingestMs),
      prepMs: Number(loaded.prepMs),
      queriesMs: Number(loaded.queriesMs),
      reaggMs: null, modelRequests: null, rangeMs: null, rangeRequests: null, rangeP95: null,
      rangeBucketSecs: null, ...re,
      requests: Number(loaded.requests),
      p95: Number(loaded.p95Ms),
      skipped: Number(loaded.skipped),
      version: loaded.version,
      bundle: loaded.bundle,
      bucketSecs: Number(loaded.bucketSecs),
      rssBefore, rssPeak, rssAfter, wasmBefore, wasmAfter,
      longestTaskMs: tasks.longestMs, longTasks: tasks.count, longestTaskCause: tasks.cause,
    };
  } finally {
    await page.close();
  }
}

function check(file, t, p) {
  const close = (a, b) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  // p95 of the window only when it has requests (the page shows no p95 for none).
  const rangeP95 = t.rangeRequests > 0 ? close(t.rangeP95, p.rangeP95) : true;
  if (t.requests !== p.requests || t.modelRequests !== p.modelRequests || !close(t.p95, p.p95)
    || t.rangeRequests !== p.rangeRequests || !rangeP95) {
    throw new Error(`${file}: tokenlens and DuckDB-WASM disagree: requests ${t.requests} / ${p.requests}, `
      + `${t.model} ${t.modelRequests} / ${p.modelRequests}, p95 ${t.p95} / ${p.p95}, `
      + `last ${RANGE} ms ${t.rangeRequests} / ${p.rangeRequests} (p95 ${t.rangeP95} / ${p.rangeP95})`);
  }
}

/** Medians of the memory and long-task figures of some runs, as the report's fields. */
function memoryAndTasks(rs, records) {
  const med = (k) => median(rs.map((r) => r[k]));
  const out = {
    rss_before: med('rssBefore'), rss_peak: med('rssPeak'), rss_after: med('rssAfter'),
    rss_growth: median(rs.map((r) => r.rssAfter - r.rssBefore)),
    rss_peak_growth: median(rs.map((r) => r.rssPeak - r.rssBefore)),
    wasm_before: med('wasmBefore'), wasm_after: med('wasmAfter'),
    wasm_growth: median(rs.map((r) => r.wasmAfter - r.wasmBefore)),
    longest_task_ms: med('longestTaskMs'), longest_task_max_ms: Math.max(...rs.map((r) => r.longestTaskMs)),
    long_tasks: med('longTasks'),
    // The cause of the run whose longest task was the longest.
    longest_task_cause: rs.reduce((a, r) => (r.longestTaskMs > a.longestTaskMs ? r : a)).longestTaskCause,
    all_rss_growth: rs.map((r) => r.rssAfter - r.rssBefore),
    all_longest_task_ms: rs.map((r) => r.longestTaskMs),
  };
  out.rss_bytes_per_record = round1(out.rss_growth / records);
  out.wasm_bytes_per_record = round1(out.wasm_growth / records);
  return out;
}

try {
  const tti = [];
  const peerTti = [];
  for (const file of files) {
    const tl = [];
    const peer = [];
    for (let r = 0; r < runs; r++) {
      const t = await tokenlensRun(file);
      tl.push(t);
      tti.push(t.interactiveMs);
      if (peerUrl) {
        const p = await peerRun(file, t.model);
        check(file, t, p);
        peer.push(p);
        peerTti.push(p.interactiveMs);
      }
    }
    const times = tl.map((t) => t.loadMs);
    const common = { file, format: formatOf(file), bytes: statSync(file).size, runs };
    if (label) common.label = label;
    console.log(JSON.stringify({
      ...common, ingest_to_dashboard_ms: median(times), all_ms: times,
      all_outer_ms: tl.map((t) => t.outerMs),
      records: tl[0].requests, model: tl[0].model, model_records: tl[0].modelRequests,
      reaggregate_ms: reaggregateToo ? round1(median(tl.map((t) => t.reaggMs))) : null,
      reaggregate_all_ms: tl.map((t) => (t.reaggMs === null ? null : round1(t.reaggMs))),
      reaggregate_engine_ms: reaggregateToo ? round1(median(tl.map((t) => t.reaggEngineMs))) : null,
      reaggregate_engine_all_ms: tl.map((t) => (t.reaggEngineMs == null ? null : round1(t.reaggEngineMs))),
      range_ms: Number(RANGE), range_records: tl[0].rangeRequests,
      reaggregate_range_ms: reaggregateToo ? round1(median(tl.map((t) => t.rangeMs))) : null,
      reaggregate_range_all_ms: tl.map((t) => (t.rangeMs === null ? null : round1(t.rangeMs))),
      reaggregate_range_engine_ms: reaggregateToo ? round1(median(tl.map((t) => t.rangeEngineMs))) : null,
      reaggregate_range_engine_all_ms: tl.map((t) => (t.rangeEngineMs == null ? null : round1(t.rangeEngineMs))),
      page_wasm_after: median(tl.map((t) => t.pageWasmAfter)),
      ...memoryAndTasks(tl, tl[0].requests),
      ingest_longest_task_ms: median(tl.map((t) => t.ingestLongestTaskMs)),
      ingest_longest_task_max_ms: Math.max(...tl.map((t) => t.ingestLongestTaskMs)),
      ingest_long_tasks: median(tl.map((t) => t.ingestLongTasks)),
    }));
    if (peerUrl) {
      const med = (k) => round1(median(peer.map((p) => p[k])));
      console.log(JSON.stringify({
        engine: 'duckdb-wasm', version: peer[0].version, bundle: peer[0].bundle, ...common,
        records: peer[0].requests, skipped: peer[0].skipped, model: tl[0].model,
        bucket_secs: peer[0].bucketSecs,
        startup_ms: med('startupMs'), instantiate_ms: med('instantiateMs'),
        ingest_queries_ms: med('loadMs'), ingest_ms: med('ingestMs'), prepass_ms: med('prepMs'),
        queries_ms: med('queriesMs'),
        reaggregate_ms: reaggregateToo ? med('reaggMs') : null,
        range_ms: Number(RANGE), range_records: peer[0].rangeRequests, range_bucket_secs: peer[0].rangeBucketSecs,
        reaggregate_range_ms: reaggregateToo ? med('rangeMs') : null,
        all_startup_ms: peer.map((p) => round1(p.startupMs)),
        all_ingest_queries_ms: peer.map((p) => p.loadMs),
        all_outer_ms: peer.map((p) => p.outerMs),
        reaggregate_all_ms: peer.map((p) => (p.reaggMs === null ? null : round1(p.reaggMs))),
        reaggregate_range_all_ms: peer.map((p) => (p.rangeMs === null ? null : round1(p.rangeMs))),
        ...memoryAndTasks(peer, peer[0].requests),
      }));
    }
  }
  const tag = label ? { label } : {};
  console.log(JSON.stringify({ ...tag, page_interactive_ms: median(tti) }));
  if (peerUrl) console.log(JSON.stringify({ ...tag, peer_page_interactive_ms: median(peerTti) }));
} finally {
  await ctx.close();
  rmSync(dir, { recursive: true, force: true });
}
