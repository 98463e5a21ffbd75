// Wiring and page state: owns the engine worker, routes its messages to the renderers, and
// keeps <body data-state> (empty | loading | ready | error) and <body data-view> (which panel
// shows: empty | loading | dashboard) up to date.

import { initFiles } from './files.js';
import { initFilters, setFilterOptions } from './filters.js';
import { renderKpis, clearKpis } from './kpis.js';
import { initCharts, drawCharts, clearCharts } from './charts.js';
import { renderTables, renderImportReport, clearReport } from './report.js';
import { formatBytes, formatInt, formatTs } from './format.js';

const $ = (id) => document.getElementById(id);

let worker = null;
let nextId = 1;
/** The load in flight or last finished: {id, name, size, others}. */
let currentLoad = null;
/** Id of the newest view request; older answers are dropped. */
let viewId = 0;
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
    clearCharts();
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
    case 'error': {
      const isLoad = currentLoad && msg.id === currentLoad.id;
      const isView = msg.id === viewId;
      if (!msg.fatal && !isLoad && !isView && msg.id !== null) break; // Stale.
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

function startLoad(src) {
  clearError();
  clearTimeout(cancelTimer);
  const id = nextId++;
  const name = src.file ? src.file.name : (src.name || src.url);
  currentLoad = { id, name, size: src.file ? src.file.size : null, others: src.others || 0 };
  loadedInfo = null;
  viewId = 0;
  $('loading-name').textContent = name;
  $('file-name').textContent = '';
  const bar = $('progress');
  bar.max = 1;
  bar.value = 0;
  $('progress-text').textContent = 'Starting the engine…';
  $('cancel-button').disabled = false;
  setState('loading', 'loading');
  post(src.file ? { type: 'load', id, file: src.file } : { type: 'load', id, url: src.url });
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
  clearCharts();
  clearKpis();
  clearReport();
  $('file-name').textContent = 'Loading cancelled.';
  setState('empty', 'empty');
}

async function onLoaded(msg) {
  const info = currentLoad;
  loadedInfo = { name: info.name, elapsedMs: msg.elapsedMs };
  const size = info.size != null ? info.size : msg.bytes;
  $('file-name').textContent = `${info.name} · ${formatBytes(size)}`
    + (info.others ? ` (only the first of ${info.others + 1} dropped files was read)` : '');
  setFilterOptions(msg.dashboard.options);
  renderImportReport(msg.report, loadedInfo);
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
}

// ---------- start ----------

function start() {
  worker = createWorker();
  initFiles(startLoad);
  initFilters(onViewChange);
  initCharts((err) => fail(err.message || String(err), false, true));
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
