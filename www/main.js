// Wiring and page state: owns the engine worker, routes its messages to the renderers, and
// keeps <body data-state> (empty | loading | ready | error) and <body data-view> (which panel
// shows: empty | loading | dashboard) up to date. It also keeps the loaded Files (one import
// may have several): the engine holds no text, so drill-down reads records back from them.
//
// Field mapping: an import can carry the mapping dialog's options. A mapping the user
// applied is saved for files with the same column names; before a load the page samples
// each file's header and applies a saved mapping it finds (after the load, the engine's
// columns are checked too, for files the page cannot sample). An import that keeps no
// record from a file with columns opens the dialog.

import { initFiles } from './files.js';
import { initFilters, setFilterOptions, currentView } from './filters.js';
import { renderKpis, clearKpis, latencyNote } from './kpis.js';
import {
  initCharts, drawCharts, clearCharts, setChartEmpty, cancelPendingDraws,
} from './charts.js';
import { renderTables, renderImportReport, clearReport } from './report.js';
import {
  initRequests, currentOrder, setOrder, renderRequests, setRequestsLoading, setRequestsError, clearRequests, REQUESTS_LIMIT,
} from './requests.js';
import { initDetail, openDetail, closeDetail } from './detail.js';
import {
  initAnomalies, setAnomalySeries, setAnomaliesLoading, renderAnomalies, setAnomaliesError, clearAnomalies,
} from './anomalies.js';
import {
  initMapping, openMappingDialog, closeMappingDialog, mappingChoices, savedMapping, saveMapping, forgetMapping,
  optionsOf, describeMapping,
} from './mapping.js';
import { sampleFile } from './sample.js';
import { formatBytes, formatInt, formatTs, getDisplayZone } from './format.js';
import {
  initAlerts, renderAlertsAndBudgets, savedRules, setAlertsError, setAlertsLoading,
} from './alerts.js';
import { initPrices, savedPrices } from './prices.js';

const $ = (id) => document.getElementById(id);

let worker = null;
let nextId = 1;
/**
 * The load in flight or last finished: {id, name, size, files, abort, mapping, autoMapped,
 * mappingChecked}. `mapping` is the field mapping it was read with (or null).
 */
let currentLoad = null;
/** The Files whose records the engine holds (for drill-down), in the report's order. */
let loadedFiles = [];
/** The import report of the loaded files. */
let loadedReport = null;
/** Pending option checks of the mapping dialog: id -> resolve(message | null). */
const optionChecks = new Map();
/** Pending price requests of the price editor: id -> resolve(the worker's answer). */
const priceAsks = new Map();
/** Parquet rows asked of the worker for the drawer: id -> resolve. */
const recordAsks = new Map();
/** Id of the newest view request; older answers are dropped. */
let viewId = 0;
/** Id of the newest drill-down list request. */
let requestsId = 0;
/** The view of the newest view request (its dashboard is followed by its anomalies). */
let viewSent = null;
/** Id and view of the newest anomalies request. */
let anomaliesId = 0;
let anomaliesView = null;
/** Id of the newest alerts request. */
let alertsId = 0;
let cancelTimer = 0;

function setState(state, view) {
  document.body.dataset.state = state;
  if (view) document.body.dataset.view = view;
}

function showError(message) {
  const box = $('error');
  box.textContent = message;
  box.hidden = false;
}

function clearError() {
  const box = $('error');
  box.textContent = '';
  box.hidden = true;
}

// ---------- worker ----------

function createWorker() {
  const w = new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'tokenlens-engine' });
  w.onmessage = (e) => onWorkerMessage(w, e.data);
  w.onerror = (e) => {
    // Uncaught error inside the worker (for example its module failed to load).
    e.preventDefault();
    if (w !== worker) return;
    fail(`The engine worker failed: ${e.message || 'could not start (see the browser console)'}`, true);
  };
  w.onmessageerror = () => {
    if (w === worker) fail('The engine sent a message the page could not read.', false);
  };
  return w;
}

function replaceWorker() {
  if (worker) worker.terminate();
  worker = createWorker();
}

function post(msg) {
  if (!worker) worker = createWorker();
  worker.postMessage(msg);
}

/** Shows an error; a fatal one also replaces the worker so the next file works. */
function fail(message, fatal, keepDashboard = false) {
  clearTimeout(cancelTimer);
  showError(message);
  if (fatal) {
    replaceWorker();
    currentLoad = null;
    loadedFiles = [];
    loadedReport = null;
    clearCharts();
    clearRequests();
    clearAnomalies();
    closeDetail();
    $('file-name').textContent = '';
  }
  setState('error', keepDashboard && !fatal ? 'dashboard' : 'empty');
}

function onWorkerMessage(w, msg) {
  if (w !== worker) return; // A replaced worker's last words.
  switch (msg.type) {
    case 'started':
      break;
    case 'progress':
      if (currentLoad && msg.id === currentLoad.id) showProgress(msg);
      break;
    case 'loaded':
      if (currentLoad && msg.id === currentLoad.id) onLoaded(msg);
      break;
    case 'cancelled':
      if (currentLoad && msg.id === currentLoad.id) onCancelled();
      break;
    case 'dashboard':
      if (msg.id === viewId) {
        const d = JSON.parse(msg.dashboardJson);
        const { id } = msg;
        const view = viewSent;
        renderDashboard(d, msg.dashboardJson, { isCurrent: () => id === viewId }).then((drawn) => {
          // Anomalies cost more: asked for once the dashboard is drawn.
          if (drawn && id === viewId) requestAnomalies(view);
        }, (err) => fail(err.message || String(err), false, true));
      }
      break;
    case 'requests':
      if (msg.id === requestsId) renderRequests(msg.rows, msg.order);
      break;
    case 'anomalies':
      if (msg.id === anomaliesId) renderAnomalies(msg.flags, anomaliesView);
      break;
    case 'alerts':
      if (msg.id === alertsId) renderAlertsAndBudgets(msg);
      break;
    case 'rules-checked': {
      const resolve = optionChecks.get(msg.id);
      optionChecks.delete(msg.id);
      if (resolve) resolve(msg.ok ? null : msg.message);
      break;
    }
    case 'record': {
      const resolve = recordAsks.get(msg.id);
      recordAsks.delete(msg.id);
      if (resolve) resolve(msg);
      break;
    }
    case 'prices':
    case 'prices-export': {
      const resolve = priceAsks.get(msg.id);
      priceAsks.delete(msg.id);
      if (resolve) resolve(msg);
      break;
    }
    case 'options': {
      const resolve = optionChecks.get(msg.id);
      optionChecks.delete(msg.id);
      if (resolve) resolve(msg.ok ? null : msg.message);
      break;
    }
    case 'error': {
      if (optionChecks.has(msg.id)) {
        optionChecks.get(msg.id)(msg.message);
        optionChecks.delete(msg.id);
      }
      if (priceAsks.has(msg.id)) {
        priceAsks.get(msg.id)({ ok: false, message: msg.message, models: [], text: '' });
        priceAsks.delete(msg.id);
      }
      if (recordAsks.has(msg.id)) {
        recordAsks.get(msg.id)({ ok: false, message: msg.message });
        recordAsks.delete(msg.id);
      }
      const isLoad = currentLoad && msg.id === currentLoad.id;
      const isView = msg.id === viewId;
      const isList = msg.id === requestsId;
      if (isList) setRequestsError();
      if (msg.id === alertsId && msg.id !== null) {
        setAlertsError(msg.message);
        if (!msg.fatal && !msg.panic) break;
      }
      if (msg.id === anomaliesId && msg.id !== null) {
        setAnomaliesError(msg.message);
        // The dashboard stays: only a crash of the engine is worth the banner.
        if (!msg.fatal && !msg.panic) break;
      }
      if (!msg.fatal && !isLoad && !isView && !isList && msg.id !== null) break; // Stale.
      const what = msg.panic ? 'The engine crashed' : isLoad ? 'Could not load the file' : 'The engine reported an error';
      const tail = msg.fatal ? '\nThe engine was restarted: load a file to continue.' : '';
      fail(`${what}: ${msg.message}${tail}`, !!msg.fatal, !isLoad);
      break;
    }
    default:
      break;
  }
}

// ---------- loading ----------

/**
 * Loads `{files}` (dropped or picked; read as one import) or `{url, name}` (the demo:
 * fetched here first). `mapping` reads them with a field mapping; without one, a mapping
 * saved for their header is applied (`autoMapped`).
 */
function startLoad(src) {
  clearError();
  clearTimeout(cancelTimer);
  if (currentLoad && currentLoad.abort) currentLoad.abort.abort();
  closeDetail();
  closeMappingDialog();
  clearRequests();
  clearAnomalies();
  loadedFiles = [];
  loadedReport = null;
  const id = nextId++;
  const files = src.files || [];
  const name = files.length > 1 ? `${files.length} files` : files.length === 1 ? files[0].name : (src.name || src.url);
  currentLoad = {
    id,
    name,
    size: files.length ? files.reduce((n, f) => n + f.size, 0) : null,
    files,
    abort: null,
    mapping: src.mapping || null,
    autoMapped: !!src.autoMapped,
    // A saved mapping is looked for once per choice of files.
    mappingChecked: !!src.mapping || !!src.noSavedMapping,
    noSavedMapping: !!src.noSavedMapping,
    retriedWithSaved: false,
  };
  viewId = 0;
  requestsId = 0;
  anomaliesId = 0;
  $('loading-name').textContent = name;
  $('file-name').textContent = '';
  $('file-name').title = '';
  const bar = $('progress');
  bar.max = 1;
  bar.value = 0;
  $('progress-text').textContent = 'Starting the engine…';
  $('progress-file').textContent = '';
  $('cancel-button').disabled = false;
  setState('loading', 'loading');
  if (files.length) sendLoad(currentLoad);
  else fetchThenLoad(currentLoad, src.url);
}

/** The first mapping saved for the header of one of `files` (sampled on the page), or null. */
async function findSavedMapping(files) {
  for (const file of files) {
    const sample = await sampleFile(file);
    const m = savedMapping(sample.columns);
    if (m) return m;
  }
  return null;
}

/** Posts the load to the worker, with the mapping saved for the files' header if any. */
async function sendLoad(load) {
  if (!load.mappingChecked) {
    load.mappingChecked = true;
    const saved = await findSavedMapping(load.files);
    if (currentLoad !== load) return; // Cancelled or replaced meanwhile.
    if (saved) {
      load.mapping = saved;
      load.autoMapped = true;
    }
  }
  // A new import shows everything: only the time zone and bucket width carry over.
  const { tz, bucket } = currentView();
  post({
    type: 'load', id: load.id, files: load.files, options: load.mapping ? optionsOf(load.mapping) : null,
    prices: savedPrices(),
    view: { tz, bucket },
  });
}

/**
 * Fetches `url` into a File on the page, then loads that File like a dropped one, so
 * drill-down can read lines back from it (the page must hold the Blob).
 */
async function fetchThenLoad(load, url) {
  const abort = new AbortController();
  load.abort = abort;
  $('progress-text').textContent = `Fetching ${url}…`;
  try {
    const resp = await fetch(url, { cache: 'no-store', signal: abort.signal });
    if (!resp.ok) throw new Error(`HTTP ${resp.status} ${resp.statusText}`.trim());
    const len = Number(resp.headers.get('content-length'));
    const total = Number.isFinite(len) && len > 0 && !resp.headers.get('content-encoding') ? len : null;
    const parts = [];
    let bytes = 0;
    if (resp.body) {
      const reader = resp.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parts.push(value);
        bytes += value.byteLength;
        if (currentLoad === load) {
          const bar = $('progress');
          if (total) bar.value = Math.min(1, bytes / total); else bar.removeAttribute('value');
          $('progress-text').textContent = `Fetching ${url}: ${formatBytes(bytes)}${total ? ` of ${formatBytes(total)}` : ''}`;
        }
      }
    }
    if (currentLoad !== load) return; // Cancelled or replaced meanwhile.
    const fileName = new URL(url, document.baseURI).pathname.split('/').pop() || 'log.jsonl';
    const file = new File(parts, fileName, { type: resp.headers.get('content-type') || '' });
    load.files = [file];
    load.size = file.size;
    load.abort = null;
    sendLoad(load);
  } catch (err) {
    if (currentLoad !== load || abort.signal.aborted) return;
    fail(`Could not load the file: could not fetch ${url}: ${err && err.message ? err.message : err}`, false);
    currentLoad = null;
  }
}

function showProgress(p) {
  const bar = $('progress');
  if (p.note) {
    // A step before the records, e.g. the worker loading the Parquet/Arrow reader.
    bar.removeAttribute('value');
    $('progress-text').textContent = p.note;
    $('progress-file').textContent = '';
    return;
  }
  if (typeof p.total === 'number' && p.total > 0) {
    bar.max = 1;
    bar.value = Math.min(1, p.bytes / p.total);
  } else {
    bar.removeAttribute('value'); // Indeterminate.
  }
  const parts = [];
  parts.push(p.total ? `${formatBytes(p.bytes)} of ${formatBytes(p.total)}` : formatBytes(p.bytes));
  parts.push(`${formatInt(p.records)} records`);
  if (p.skipped) parts.push(`${formatInt(p.skipped)} skipped`);
  if (p.rate) parts.push(`${formatBytes(p.rate)}/s`);
  $('progress-text').textContent = parts.join(' · ');
  $('progress-file').textContent = p.fileCount > 1 ? `File ${p.fileIndex + 1} of ${p.fileCount}: ${p.fileName}` : '';
}

function cancelLoad() {
  if (!currentLoad || document.body.dataset.view !== 'loading') return;
  if (currentLoad.abort) {
    // Still fetching on the page: the worker has not seen this load.
    currentLoad.abort.abort();
    onCancelled();
    return;
  }
  const { id } = currentLoad;
  $('cancel-button').disabled = true;
  $('progress-text').textContent = 'Cancelling…';
  post({ type: 'cancel', id });
  // If the worker is stuck inside one long call, do not wait for it.
  cancelTimer = setTimeout(() => {
    if (currentLoad && currentLoad.id === id) {
      replaceWorker();
      onCancelled();
    }
  }, 3000);
}

function onCancelled() {
  clearTimeout(cancelTimer);
  currentLoad = null;
  loadedFiles = [];
  loadedReport = null;
  clearCharts();
  clearKpis();
  clearReport();
  clearRequests();
  clearAnomalies();
  $('file-name').textContent = 'Loading cancelled.';
  setState('empty', 'empty');
}

/** The mapping saved for the column names of any file of `report`, or null. */
function savedForReport(report) {
  for (const f of report.files || []) {
    const m = savedMapping(f.columns);
    if (m) return m;
  }
  return null;
}

/** profile name -> title, from the engine's mapping choices ({} when unavailable). */
async function profileTitles() {
  try {
    const c = await mappingChoices();
    return Object.fromEntries(c.profiles);
  } catch {
    return {};
  }
}

async function onLoaded(msg) {
  const info = currentLoad;
  // A header the page could not sample (a JSON document, gzip of one) may have a saved
  // mapping too: read the files again with it, once.
  if (!info.mapping && !info.noSavedMapping && !info.retriedWithSaved) {
    const saved = savedForReport(msg.report);
    if (saved) {
      info.retriedWithSaved = true;
      info.mapping = saved;
      info.autoMapped = true;
      sendLoad(info);
      return;
    }
  }
  loadedFiles = info.files;
  loadedReport = msg.report;
  const size = info.size != null ? info.size : msg.bytes;
  $('file-name').textContent = `${info.name} · ${formatBytes(size)}`;
  $('file-name').title = info.files.map((f) => f.name).join('\n');
  // The engine's JSON (its own serde_json output).
  const dashboard = JSON.parse(msg.dashboardJson);
  setFilterOptions(dashboard.options, (dashboard.summary || {}).last_ts);
  renderImportReport(msg.report, {
    name: info.name, elapsedMs: msg.elapsedMs, profileTitles: await profileTitles(), mapped: !!info.mapping,
  });
  if (currentLoad !== info) return;
  renderMappingNote(info);
  // Without any latency, "slowest" lists nothing: start with the latest requests.
  if (msg.report.has_latency === false && currentOrder() === 'slowest') setOrder('latest');
  requestList(currentView(), currentOrder());
  let drawn;
  try {
    // The first dashboard of a file: its charts are drawn in a task of their own.
    drawn = await renderDashboard(dashboard, msg.dashboardJson, { first: true, isCurrent: () => currentLoad === info && viewId === 0 });
  } catch (err) {
    fail(err.message || String(err), false, true);
    return;
  }
  if (drawn && currentLoad === info) requestAnomalies(currentView());
  if (msg.pricesError && currentLoad === info) {
    fail(`Your saved prices cannot be used, so the built-in prices apply (Edit prices… to fix them): ${msg.pricesError}`, false, true);
  }
  // Nothing kept from a file with columns: its fields need naming.
  const unread = (msg.report.files || []).filter((f) => f.records === 0 && (f.columns || []).length > 0);
  if (msg.report.records === 0 && unread.length > 0 && currentLoad === info) {
    const unknown = (msg.report.errors || []).some((e) => /no known field/.test(e.reason));
    const names = unread.map((f) => f.name).join(', ');
    const its = unread.length > 1 ? 'their' : 'its';
    const reason = `No record of ${names} could be read: `
      + (unknown ? `tokenlens does not know the names of ${its} fields.` : `${its} records did not fit the fields tokenlens looked for.`)
      + ' Say which column holds what.';
    openMapping(reason);
  }
}

/** "Using your saved mapping — change" under the report, when the import used one. */
function renderMappingNote(load) {
  const box = $('import-mapping');
  if (!load || !load.mapping) {
    box.hidden = true;
    $('import-mapping-text').textContent = '';
    return;
  }
  const what = describeMapping(load.mapping);
  $('import-mapping-text').textContent = `${load.autoMapped ? 'Using your saved mapping' : 'Using your mapping (saved for files with this header)'}${what ? `: ${what}` : ''}`;
  box.dataset.auto = load.autoMapped ? 'true' : 'false';
  box.hidden = false;
}

/** Asks the worker whether the engine accepts `options`; resolves to its reason or null. */
function checkOptions(options) {
  const id = nextId++;
  return new Promise((resolve) => {
    optionChecks.set(id, resolve);
    post({ type: 'check-options', id, options });
  });
}

/** The files to map: those that kept no record, else every file with columns. */
function filesToMap(report) {
  const withColumns = (report.files || []).map((f, i) => ({ ...f, index: i })).filter((f) => (f.columns || []).length > 0);
  const unread = withColumns.filter((f) => f.records === 0);
  return unread.length ? unread : withColumns;
}

/** Opens the mapping dialog for the loaded files; `reason` says why when it opened by itself. */
async function openMapping(reason = '') {
  const load = currentLoad;
  if (!load || !loadedReport) return;
  const targets = filesToMap(loadedReport);
  const files = loadedFiles;
  if (targets.length === 0) {
    showError('None of the loaded files has named fields to map (the engine found no column names).');
    return;
  }
  const records = [];
  for (const t of targets) {
    const file = files[t.index];
    if (file) records.push(...(await sampleFile(file)).records);
  }
  const initial = load.mapping || targets.map((t) => savedMapping(t.columns)).find(Boolean) || null;
  const hasSaved = targets.some((t) => savedMapping(t.columns));
  try {
    await openMappingDialog({
      files: targets.map((t) => ({ name: t.name, columns: t.columns })),
      records,
      initial,
      reason,
      apply: async (mapping) => {
        const message = await checkOptions(optionsOf(mapping));
        if (message) return message;
        for (const t of targets) saveMapping(t.columns, mapping);
        startLoad({ files, mapping });
        return null;
      },
      forget: hasSaved ? () => {
        for (const t of targets) forgetMapping(t.columns);
        startLoad({ files, noSavedMapping: true });
      } : null,
    });
  } catch (err) {
    showError(`Could not open the mapping dialog: ${err && err.message ? err.message : err}`);
  }
}

/**
 * Shows a Dashboard `d` (after a load or a filter change; `json` is the engine's text of it,
 * which the charts read), then marks the page ready once what is in view is drawn (the
 * charts out of view follow in later tasks). `isCurrent()` says whether it is still the
 * newest dashboard after drawing waited: if not, the page is left to the newer one and this
 * resolves to false. `first`: the first dashboard of a file.
 */
async function renderDashboard(d, json, { first = false, isCurrent = () => true } = {}) {
  setState(document.body.dataset.state, 'dashboard');
  const s = d.summary || {};
  const hasLatency = !loadedReport || loadedReport.has_latency !== false;
  const note = latencyNote(s, hasLatency);
  setChartEmpty('latency', note ? (hasLatency
    ? 'No request in this view has a latency.'
    : 'This export carries no latency: there is nothing to plot here.') : null);
  setChartEmpty('concurrency', note ? 'Concurrency needs each request\'s latency.' : null);
  setChartEmpty('latency_histogram', note ? 'No request in this view has a latency.' : null);
  setChartEmpty('tokens_histogram', s.input_tokens > 0 || s.output_tokens > 0 ? null
    : 'No request in this view has a token count.');
  const q = s.quality || {};
  setChartEmpty('quality', q.feedback_count > 0 || q.hallucination_count > 0 || q.safety_count > 0 ? null
    : 'No request in this view carries feedback, a hallucination verdict or a safety flag.');
  const series = d.series || {};
  // The charts in view first (before the cards and tables below change the page's layout),
  // unless this is the file's first dashboard.
  const drawn = drawCharts(json, series.bucket_label, { layoutFirst: first });
  renderKpis(s, { hasLatency });
  $('latency-note').textContent = note || '';
  $('latency-note').hidden = !note;
  renderTables(d);
  setAnomalySeries(d.series);
  $('time-range').textContent = s.first_ts || s.last_ts ? `${formatTs(s.first_ts)} → ${formatTs(s.last_ts)}` : '';
  const zone = getDisplayZone();
  $('zone-note').textContent = zone;
  $('footer-zone').textContent = `Times are in ${zone}.`;
  $('users-count').textContent = s.users ? `of ${formatInt(s.users)} users` : '';
  if (!(await drawn) || !isCurrent()) return false;
  setState('ready', 'dashboard');
  return true;
}

function onViewChange(view) {
  if (!currentLoad) return;
  clearError();
  viewId = nextId++;
  viewSent = view;
  // The last view's charts still to draw are not worth drawing any more.
  cancelPendingDraws();
  setState('loading', 'dashboard');
  setAnomaliesLoading();
  post({ type: 'view', id: viewId, view });
  requestList(view, currentOrder());
}

/** Asks the engine for the anomaly flags of `view` (after its dashboard is drawn), then its alerts. */
function requestAnomalies(view) {
  anomaliesId = nextId++;
  anomaliesView = view;
  setAnomaliesLoading();
  post({ type: 'anomalies', id: anomaliesId, view });
  requestAlerts(view);
}

/** Asks the engine for the fired alerts and the budgets of `view` under the saved rules. */
function requestAlerts(view) {
  alertsId = nextId++;
  setAlertsLoading();
  post({ type: 'alerts', id: alertsId, view, rules: savedRules() });
}

/** Asks the worker whether the engine accepts a rules text; resolves to its reason or null. */
function checkRules(rules) {
  const id = nextId++;
  return new Promise((resolve) => {
    optionChecks.set(id, resolve);
    post({ type: 'check-rules', id, rules });
  });
}

/** Sends `msg` to the worker with a new id; resolves to its answer (a 'prices' or 'prices-export' message). */
function askPrices(msg) {
  const id = nextId++;
  return new Promise((resolve) => {
    priceAsks.set(id, resolve);
    post({ ...msg, id });
  });
}

/**
 * Asks the worker for a record of the Parquet or Arrow `file` (`ask`: {coding, format,
 * offset, row}, from its span): resolves to its 'record' answer.
 */
function askRecord(file, ask) {
  const id = nextId++;
  return new Promise((resolve) => {
    recordAsks.set(id, resolve);
    post({ type: 'record', id, file, ...ask });
  });
}

/** Asks the engine for the drill-down list of `view` in `order`. */
function requestList(view, order) {
  requestsId = nextId++;
  setRequestsLoading(order);
  post({ type: 'requests', id: requestsId, view, order, limit: REQUESTS_LIMIT });
}

function onOrderChange(order) {
  if (!currentLoad || loadedFiles.length === 0) return;
  requestList(currentView(), order);
}

// ---------- start ----------

function start() {
  worker = createWorker();
  initFiles(startLoad);
  initFilters(onViewChange);
  initCharts((err) => fail(err.message || String(err), false, true));
  initRequests(onOrderChange, (row, opener) => {
    const index = Number(row.file) || 0;
    const info = loadedReport && loadedReport.files ? loadedReport.files[index] : null;
    openDetail(loadedFiles[index] || null, row, opener, info);
  });
  initDetail(askRecord);
  initAnomalies();
  initAlerts(checkRules, () => {
    if (currentLoad && loadedReport) requestAlerts(currentView());
  });
  initPrices({
    models: () => askPrices({ type: 'model-prices' }).then((m) => (m.ok ? m.models : [])),
    apply: (text) => askPrices({ type: 'prices', text }),
    exportTable: () => askPrices({ type: 'export-prices' }).then((m) => m.text || ''),
  }, () => {
    if (currentLoad && loadedReport) onViewChange(currentView());
  });
  initMapping();
  $('map-fields').addEventListener('click', () => openMapping(''));
  $('import-mapping-change').addEventListener('click', () => openMapping(''));
  $('cancel-button').addEventListener('click', cancelLoad);
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') cancelLoad();
  });
  // A hook for the browser tests: make the worker's engine panic on purpose.
  window.tokenlensDebug = {
    testPanic() {
      post({ type: 'test-panic', id: null });
    },
    /** Makes the helpers of the next loads panic after their first piece (tests). */
    failHelpers() {
      post({ type: 'test-fail-helpers', id: null });
    },
  };
}

start();
