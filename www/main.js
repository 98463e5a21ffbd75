// Wiring and page state: owns the engine worker, routes its messages to the renderers, and
// keeps <body data-state> (empty | loading | ready | error) and <body data-view> (which panel
// shows: empty | loading | dashboard) up to date. It also keeps the loaded File: the engine
// holds no text, so drill-down reads single lines back from it.

import { initFiles } from './files.js';
import { initFilters, setFilterOptions, currentView } from './filters.js';
import { renderKpis, clearKpis } from './kpis.js';
import { initCharts, drawCharts, clearCharts } from './charts.js';
import { renderTables, renderImportReport, clearReport } from './report.js';
import {
  initRequests, currentOrder, renderRequests, setRequestsLoading, setRequestsError, clearRequests, REQUESTS_LIMIT,
} from './requests.js';
import { initDetail, openDetail, closeDetail } from './detail.js';
import { formatBytes, formatInt, formatTs } from './format.js';

const $ = (id) => document.getElementById(id);

let worker = null;
let nextId = 1;
/** The load in flight or last finished: {id, name, size, others, file, abort}. */
let currentLoad = null;
/** The File whose records the engine holds (for drill-down), once loaded. */
let loadedFile = null;
/** Id of the newest view request; older answers are dropped. */
let viewId = 0;
/** Id of the newest drill-down list request. */
let requestsId = 0;
/** Facts about the loaded file for the import report. */
let loadedInfo = null;
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
    loadedFile = null;
    clearCharts();
    clearRequests();
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
        renderDashboard(msg.dashboard).catch((err) => fail(err.message || String(err), false, true));
      }
      break;
    case 'requests':
      if (msg.id === requestsId) renderRequests(msg.rows, msg.order);
      break;
    case 'error': {
      const isLoad = currentLoad && msg.id === currentLoad.id;
      const isView = msg.id === viewId;
      const isList = msg.id === requestsId;
      if (isList) setRequestsError();
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

/** Loads `{file}` (dropped or picked) or `{url, name}` (the demo: fetched here first). */
function startLoad(src) {
  clearError();
  clearTimeout(cancelTimer);
  if (currentLoad && currentLoad.abort) currentLoad.abort.abort();
  closeDetail();
  clearRequests();
  loadedFile = null;
  const id = nextId++;
  const name = src.file ? src.file.name : (src.name || src.url);
  currentLoad = { id, name, size: src.file ? src.file.size : null, others: src.others || 0, file: src.file || null, abort: null };
  loadedInfo = null;
  viewId = 0;
  requestsId = 0;
  $('loading-name').textContent = name;
  $('file-name').textContent = '';
  const bar = $('progress');
  bar.max = 1;
  bar.value = 0;
  $('progress-text').textContent = 'Starting the engine…';
  $('cancel-button').disabled = false;
  setState('loading', 'loading');
  if (src.file) post({ type: 'load', id, file: src.file });
  else fetchThenLoad(currentLoad, src.url);
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
    load.file = file;
    load.size = file.size;
    load.abort = null;
    post({ type: 'load', id: load.id, file });
  } catch (err) {
    if (currentLoad !== load || abort.signal.aborted) return;
    fail(`Could not load the file: could not fetch ${url}: ${err && err.message ? err.message : err}`, false);
    currentLoad = null;
  }
}

function showProgress(p) {
  const bar = $('progress');
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
  loadedFile = null;
  clearCharts();
  clearKpis();
  clearReport();
  clearRequests();
  $('file-name').textContent = 'Loading cancelled.';
  setState('empty', 'empty');
}

async function onLoaded(msg) {
  const info = currentLoad;
  loadedFile = info.file;
  loadedInfo = { name: info.name, elapsedMs: msg.elapsedMs };
  const size = info.size != null ? info.size : msg.bytes;
  $('file-name').textContent = `${info.name} · ${formatBytes(size)}`
    + (info.others ? ` (only the first of ${info.others + 1} dropped files was read)` : '');
  setFilterOptions(msg.dashboard.options);
  renderImportReport(msg.report, loadedInfo);
  requestList(currentView(), currentOrder());
  try {
    await renderDashboard(msg.dashboard);
  } catch (err) {
    fail(err.message || String(err), false, true);
  }
}

/** Shows a Dashboard (after a load or a filter change), then marks the page ready. */
async function renderDashboard(d) {
  setState(document.body.dataset.state, 'dashboard');
  const s = d.summary || {};
  renderKpis(s);
  renderTables(d);
  $('time-range').textContent = s.first_ts || s.last_ts ? `${formatTs(s.first_ts)} → ${formatTs(s.last_ts)}` : '';
  const series = d.series || {};
  await drawCharts(d, series.bucket_label);
  setState('ready', 'dashboard');
}

function onViewChange(view) {
  if (!currentLoad) return;
  clearError();
  viewId = nextId++;
  setState('loading', 'dashboard');
  post({ type: 'view', id: viewId, view });
  requestList(view, currentOrder());
}

/** Asks the engine for the drill-down list of `view` in `order`. */
function requestList(view, order) {
  requestsId = nextId++;
  setRequestsLoading(order);
  post({ type: 'requests', id: requestsId, view, order, limit: REQUESTS_LIMIT });
}

function onOrderChange(order) {
  if (!currentLoad || !loadedFile) return;
  requestList(currentView(), order);
}

// ---------- start ----------

function start() {
  worker = createWorker();
  initFiles(startLoad);
  initFilters(onViewChange);
  initCharts((err) => fail(err.message || String(err), false, true));
  initRequests(onOrderChange, (row, opener) => openDetail(loadedFile, row, opener));
  initDetail();
  $('cancel-button').addEventListener('click', cancelLoad);
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') cancelLoad();
  });
  // A hook for the browser tests: make the worker's engine panic on purpose.
  window.tokenlensDebug = {
    testPanic() {
      post({ type: 'test-panic', id: null });
    },
  };
}

start();
