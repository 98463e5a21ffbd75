// The Anomalies panel (#anomalies) and the marks of flagged buckets on the time charts.
// The engine's flags ({metric, group, bucket_start, bucket_ms, value, baseline, score,
// reason}) come in a separate answer after the dashboard is drawn (they look at every model
// and application, so they cost more). The list shows them newest first; each chart with a
// time axis gets a faint band over its flagged buckets and a clickable mark under the axis
// (red: the view itself, amber: one of its models or applications). A click on a flag
// shows its mark, a click on a mark shows its flags. Every string from the engine (reasons
// name models and applications from the log) goes in through textContent.
//
// #anomalies[data-state] is empty | loading | ready | error, [data-count] the number of
// flags shown and [data-view] the view they are for (JSON), for the browser tests.

import { timeAxisFrame } from './charts.js';
import { formatInt, formatTs, formatTsSeconds, getDisplayZone } from './format.js';

const METRIC_TEXT = {
  requests: 'Requests',
  error_rate: 'Error rate',
  p95_latency_ms: 'Latency p95',
  tokens: 'Tokens',
  cost_usd: 'Cost',
};

/** The chart that plots each metric (cost has no time chart). */
const METRIC_CHART = {
  requests: 'requests',
  error_rate: 'requests',
  p95_latency_ms: 'latency',
  tokens: 'tokens',
};

const $ = (id) => document.getElementById(id);

/** The flags shown, newest first. */
let shown = [];
/** The series of the dashboard on screen (the charts' time axis). */
let series = null;
/** Marked runs of consecutive flagged buckets: {chart, from, to, flags, view, band, mark}. */
let runs = [];

function el(tag, text, className) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = text;
  if (className) e.className = className;
  return e;
}

/** "model:gpt-4o" -> {kind: "model", name: "gpt-4o"}; "all" -> {kind: null, name: null}. */
function splitGroup(group) {
  const g = String(group ?? '');
  const i = g.indexOf(':');
  if (g === 'all' || i < 0) return { kind: null, name: null };
  return { kind: g.slice(0, i), name: g.slice(i + 1) };
}

function timeText(f) {
  const ms = Number(f.bucket_ms);
  return Number.isFinite(ms) && ms % 60_000 !== 0 ? formatTsSeconds(f.bucket_start) : formatTs(f.bucket_start);
}

function headRow() {
  const thead = document.createElement('thead');
  const tr = document.createElement('tr');
  for (const [text, cls] of [[`Time (${getDisplayZone()})`], ['Group', 'left'], ['Metric', 'left'], ['What happened', 'left']]) {
    const th = el('th', text, cls);
    th.scope = 'col';
    tr.append(th);
  }
  thead.append(tr);
  return thead;
}

function rowElement(f, index) {
  const tr = document.createElement('tr');
  tr.dataset.index = String(index);
  tr.dataset.metric = String(f.metric ?? '');
  tr.dataset.group = String(f.group ?? '');
  tr.dataset.bucket = String(f.bucket_start ?? '');
  tr.dataset.ms = String(f.bucket_ms ?? '');
  const chart = METRIC_CHART[f.metric];
  if (chart) tr.dataset.chart = chart;

  const time = document.createElement('td');
  if (chart) {
    const open = el('button', timeText(f), 'row-open');
    open.type = 'button';
    open.title = 'Show this bucket on its chart';
    time.append(open);
  } else {
    time.textContent = timeText(f);
  }

  const { kind, name } = splitGroup(f.group);
  const group = el('td', null, 'left anomaly-group');
  if (kind) {
    group.append(el('span', kind, 'group-kind'), el('span', name, 'group-name'));
    group.title = `${kind} ${name}`;
  } else {
    group.append(el('span', 'All requests', 'group-all'));
    group.title = 'Every request of the view';
  }
  const metric = el('td', METRIC_TEXT[f.metric] || String(f.metric ?? ''), 'left');
  const reason = el('td', String(f.reason ?? ''), 'reason');
  tr.append(time, group, metric, reason);
  return tr;
}

/** Flags newest first; within a bucket, the engine's order (group, then metric). */
function newestFirst(flags) {
  return flags
    .map((f, i) => ({ f, i }))
    .sort((a, b) => (Number(b.f.bucket_ms) - Number(a.f.bucket_ms)) || (a.i - b.i))
    .map((x) => x.f);
}

// ---------- chart marks ----------

function chartBox(name) {
  const canvas = document.querySelector(`canvas[data-chart="${name}"]`);
  return canvas ? canvas.closest('.chart-box') : null;
}

function removeMarks() {
  for (const layer of document.querySelectorAll('.chart-marks')) layer.remove();
  runs = [];
}

/** "calc(56px + (100% - 64px) * 0.5)": a fraction of the plotting area, from the box's left. */
function across(insets, fraction) {
  return `calc(${insets.left}px + (100% - ${insets.left + insets.right}px) * ${fraction.toFixed(6)})`;
}

/** Groups the shown flags into runs of consecutive buckets per chart. */
function buildRuns(bucketMs) {
  const byChart = new Map();
  shown.forEach((f, index) => {
    const chart = METRIC_CHART[f.metric];
    const ms = Number(f.bucket_ms);
    if (!chart || !Number.isFinite(ms)) return;
    if (!byChart.has(chart)) byChart.set(chart, new Map());
    const buckets = byChart.get(chart);
    if (!buckets.has(ms)) buckets.set(ms, []);
    buckets.get(ms).push(index);
  });
  const out = [];
  for (const [chart, buckets] of byChart) {
    const times = [...buckets.keys()].sort((a, b) => a - b);
    let run = null;
    for (const ms of times) {
      if (!run || ms - run.to > 1e-6) {
        run = { chart, from: ms, to: ms + bucketMs, flags: [] };
        out.push(run);
      } else {
        run.to = ms + bucketMs;
      }
      run.flags.push(...buckets.get(ms));
    }
  }
  for (const run of out) {
    run.flags.sort((a, b) => a - b);
    run.view = run.flags.some((i) => shown[i].group === 'all');
  }
  return out;
}

/** Draws the marks of the shown flags over the time charts (again when the axis changes). */
function renderMarks() {
  removeMarks();
  if (!series || shown.length === 0) return;
  const probe = timeAxisFrame('requests', series);
  if (!probe) return;
  runs = buildRuns(probe.bucketMs);
  const layers = new Map();
  for (const run of runs) {
    const frame = timeAxisFrame(run.chart, series);
    const box = chartBox(run.chart);
    if (!frame || !box) continue;
    if (!layers.has(run.chart)) {
      const layer = el('div', null, 'chart-marks');
      box.append(layer);
      layers.set(run.chart, layer);
    }
    // A flag outside the view's time range has no place on its axis.
    const a = Math.max(0, frame.fraction(run.from));
    const b = Math.min(1, frame.fraction(run.to));
    if (b <= a) continue;
    const layer = layers.get(run.chart);
    const { insets } = frame;
    const band = el('span', null, 'mark-band');
    band.style.left = across(insets, (a + b) / 2);
    band.style.width = `calc((100% - ${insets.left + insets.right}px) * ${(b - a).toFixed(6)})`;
    band.style.top = `${insets.top}px`;
    band.style.bottom = `${insets.bottom}px`;
    const mark = el('button', null, 'mark');
    mark.type = 'button';
    mark.style.left = across(insets, (a + b) / 2);
    mark.dataset.chart = run.chart;
    mark.dataset.from = String(run.from);
    mark.dataset.to = String(run.to);
    mark.dataset.scope = run.view ? 'view' : 'group';
    mark.dataset.count = String(run.flags.length);
    const reasons = run.flags.map((i) => String(shown[i].reason ?? ''));
    mark.title = reasons.join('\n');
    mark.setAttribute('aria-label', `${run.flags.length} ${run.flags.length === 1 ? 'anomaly' : 'anomalies'}: ${reasons.join('; ')}`);
    mark.addEventListener('click', () => showInList(run));
    layer.append(band, mark);
    run.band = band;
    run.mark = mark;
  }
}

function clearActive() {
  for (const e of document.querySelectorAll('#anomalies .is-active, .chart-marks .is-active')) e.classList.remove('is-active');
}

const smooth = () => (window.matchMedia('(prefers-reduced-motion: reduce)').matches ? 'auto' : 'smooth');

/** A flag of the list was chosen: highlight its bucket on its chart and bring the chart into view. */
function showOnChart(index) {
  clearActive();
  const row = document.querySelector(`#anomalies-table tbody tr[data-index="${index}"]`);
  if (row) row.classList.add('is-active');
  const run = runs.find((r) => r.mark && r.flags.includes(index));
  if (!run) return;
  run.band.classList.add('is-active');
  run.mark.classList.add('is-active');
  run.mark.closest('.chart-card').scrollIntoView({ block: 'center', behavior: smooth() });
}

/** A mark was chosen: highlight it and its flags in the list, and bring the first into view. */
function showInList(run) {
  clearActive();
  run.band.classList.add('is-active');
  run.mark.classList.add('is-active');
  let first = null;
  for (const i of run.flags) {
    const row = document.querySelector(`#anomalies-table tbody tr[data-index="${i}"]`);
    if (!row) continue;
    row.classList.add('is-active');
    if (!first) first = row;
  }
  if (first) first.scrollIntoView({ block: 'center', behavior: smooth() });
}

// ---------- panel ----------

function setCount(text) {
  $('anomalies-count').textContent = text;
}

/** The time axis of the dashboard on screen; the marks follow it. */
export function setAnomalySeries(s) {
  series = s || null;
  renderMarks();
}

/** Flags for another view are on their way: keep the old rows dimmed, drop the marks. */
export function setAnomaliesLoading() {
  const section = $('anomalies');
  section.dataset.state = 'loading';
  removeMarks();
  if (!shown.length) {
    setCount('…');
    $('anomalies-empty').textContent = 'Looking for anomalies…';
    $('anomalies-empty').hidden = false;
  }
}

/** Shows the engine's flags for `view`. */
export function renderAnomalies(flags, view) {
  const section = $('anomalies');
  shown = newestFirst(Array.isArray(flags) ? flags : []);
  const tbody = document.createElement('tbody');
  shown.forEach((f, i) => tbody.append(rowElement(f, i)));
  $('anomalies-table').replaceChildren(...(shown.length ? [headRow(), tbody] : []));
  $('anomalies-wrap').hidden = shown.length === 0;
  $('anomalies-empty').textContent = 'No anomalies in this view';
  $('anomalies-empty').hidden = shown.length > 0;
  setCount(formatInt(shown.length));
  section.dataset.count = String(shown.length);
  section.dataset.view = JSON.stringify(view || {});
  section.dataset.state = 'ready';
  renderMarks();
}

/** The flags could not be computed: say so in the panel (the dashboard stays). */
export function setAnomaliesError(message) {
  const section = $('anomalies');
  shown = [];
  removeMarks();
  $('anomalies-table').replaceChildren();
  $('anomalies-wrap').hidden = true;
  $('anomalies-empty').textContent = `Could not look for anomalies: ${message}`;
  $('anomalies-empty').hidden = false;
  setCount('');
  section.dataset.count = '0';
  section.dataset.state = 'error';
}

/** Empties the panel and the marks (no file loaded). */
export function clearAnomalies() {
  const section = $('anomalies');
  shown = [];
  series = null;
  removeMarks();
  $('anomalies-table').replaceChildren();
  $('anomalies-wrap').hidden = true;
  $('anomalies-empty').textContent = '';
  $('anomalies-empty').hidden = true;
  setCount('');
  section.dataset.count = '0';
  section.dataset.state = 'empty';
  delete section.dataset.view;
}

/** Wires the list: a click on a flag (or Enter on its time) shows it on its chart. */
export function initAnomalies() {
  $('anomalies-table').addEventListener('click', (e) => {
    const tr = e.target.closest('tbody tr[data-index]');
    if (tr) showOnChart(Number(tr.dataset.index));
  });
}
