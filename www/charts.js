// Chart drawing on the page thread: sizes each [data-chart] canvas for devicePixelRatio and
// asks the wasm module's draw_chart to paint it. Redraws on resize (ResizeObserver) and when
// the colour scheme flips between light and dark.
//
// The page's own copy of the wasm module comes from wasm.js, which replaces it after a
// panic. A chart with nothing to plot (latency of an export that has none) is not drawn:
// its card says why instead (setChartEmpty).

import { pageWasm, wasmErrorMessage } from './wasm.js';
import { getDisplayZone } from './format.js';

const darkQuery = window.matchMedia('(prefers-color-scheme: dark)');

let dashboard = null;
let onError = () => {};
/** canvas -> {width, height} in device pixels, as last measured. */
const sizes = new Map();
const pending = new Set();
let frame = 0;

/** Canvases drawn from data of their own, not the dashboard (budgets' burn-downs): canvas -> data. */
const own = new WeakMap();

function canvases() {
  return Array.from(document.querySelectorAll('canvas[data-chart], canvas[data-own-chart]'));
}

function observe(canvas) {
  try {
    observer.observe(canvas, { box: 'device-pixel-content-box' });
  } catch {
    observer.observe(canvas);
  }
}

/**
 * Draws chart `name` of `data` on `canvas` (which the caller placed in the page), and again
 * whenever it is resized or the colour scheme flips.
 */
export function drawOwnChart(canvas, name, data) {
  canvas.dataset.ownChart = name;
  own.set(canvas, data);
  observe(canvas);
  measure(canvas, null);
  schedule([canvas]);
}

/** Stops redrawing the own-data canvases inside `container` (before it is emptied). */
export function forgetOwnCharts(container) {
  for (const c of container.querySelectorAll('canvas[data-own-chart]')) {
    observer.unobserve(c);
    pending.delete(c);
    sizes.delete(c);
  }
}

function measure(canvas, entry) {
  const dpr = window.devicePixelRatio || 1;
  const rect = canvas.getBoundingClientRect();
  let w = Math.round(rect.width * dpr);
  let h = Math.round(rect.height * dpr);
  // The exact device-pixel box, where the browser reports one that agrees with the CSS box
  // (emulated pixel ratios, as in headless tests, can report CSS pixels there).
  const box = entry && entry.devicePixelContentBoxSize && entry.devicePixelContentBoxSize[0];
  if (box && Math.abs(box.inlineSize - w) <= 2 && Math.abs(box.blockSize - h) <= 2) {
    w = box.inlineSize;
    h = box.blockSize;
  }
  sizes.set(canvas, { width: w, height: h });
}

/** Re-measures every canvas when the pixel ratio changes (zoom, moving to another screen). */
function watchPixelRatio() {
  const mq = window.matchMedia(`(resolution: ${window.devicePixelRatio || 1}dppx)`);
  mq.addEventListener('change', () => {
    const all = canvases();
    for (const c of all) measure(c, null);
    schedule(all);
    watchPixelRatio();
  }, { once: true });
}

function isEmpty(canvas) {
  const card = canvas.closest('.chart-card');
  return !!card && card.dataset.empty !== undefined;
}

function drawOne(mod, canvas) {
  if (isEmpty(canvas)) return;
  const size = sizes.get(canvas);
  const data = own.get(canvas) || dashboard;
  if (!size || size.width < 2 || size.height < 2 || !data) return;
  if (canvas.width !== size.width) canvas.width = size.width;
  if (canvas.height !== size.height) canvas.height = size.height;
  const name = canvas.dataset.chart || canvas.dataset.ownChart;
  try {
    const options = { dpr: window.devicePixelRatio || 1, dark: darkQuery.matches };
    mod.draw_chart(canvas, name, data, options);
  } catch (err) {
    throw new Error(`Drawing chart "${name}" failed: ${wasmErrorMessage(mod, err)}`);
  }
}

function flush() {
  frame = 0;
  if (pending.size === 0) return;
  const todo = Array.from(pending);
  pending.clear();
  pageWasm().then((mod) => {
    for (const c of todo) {
      try {
        drawOne(mod, c);
      } catch (err) {
        onError(err);
        return;
      }
    }
  }, (err) => onError(new Error(`Could not load the chart module: ${err.message || err}`)));
}

function schedule(list) {
  for (const c of list) pending.add(c);
  if (!frame) frame = requestAnimationFrame(flush);
}

const observer = new ResizeObserver((entries) => {
  const changed = [];
  for (const entry of entries) {
    const canvas = entry.target;
    const before = sizes.get(canvas);
    measure(canvas, entry);
    const after = sizes.get(canvas);
    if (!before || before.width !== after.width || before.height !== after.height) changed.push(canvas);
  }
  schedule(changed);
});

/** Starts observing the canvases; `errorHandler(err)` is told about failed draws. */
export function initCharts(errorHandler) {
  onError = errorHandler;
  for (const c of canvases()) observe(c);
  darkQuery.addEventListener('change', () => schedule(canvases()));
  watchPixelRatio();
  // Warm up the module so the first dashboard draws without waiting for it.
  pageWasm().catch(() => {});
}

/**
 * Draws every chart for `dash` now (synchronously after the module is ready), so the
 * caller can mark the page ready once this resolves. Canvases that are not laid out yet
 * are drawn by the ResizeObserver when they are.
 */
export async function drawCharts(dash, bucketLabel) {
  dashboard = dash;
  for (const el of document.querySelectorAll('.bucket-label')) {
    el.textContent = bucketLabel ? `· per ${bucketLabel}, ${getDisplayZone()}` : `· ${getDisplayZone()}`;
  }
  const mod = await pageWasm();
  const all = canvases();
  // Every size read before any canvas is drawn: a canvas given its new pixel size makes the
  // next read lay the page out again (one layout per chart otherwise).
  for (const c of all) measure(c, null);
  for (const c of all) drawOne(mod, c);
}

/**
 * Shows `message` instead of chart `name` (or, with null, the chart again). The canvas is
 * cleared and hidden, so no empty plot is left behind.
 */
export function setChartEmpty(name, message) {
  const canvas = document.querySelector(`canvas[data-chart="${name}"]`);
  if (!canvas) return;
  const card = canvas.closest('.chart-card');
  let note = card.querySelector('.chart-empty');
  if (!note) {
    note = document.createElement('p');
    note.className = 'chart-empty';
    canvas.after(note);
  }
  if (message) {
    card.dataset.empty = '';
    note.textContent = message;
    note.hidden = false;
    const ctx = canvas.getContext('2d');
    if (ctx) ctx.clearRect(0, 0, canvas.width, canvas.height);
  } else {
    delete card.dataset.empty;
    note.textContent = '';
    note.hidden = true;
  }
}

/** Forgets the current dashboard (charts are hidden with the dashboard anyway). */
export function clearCharts() {
  dashboard = null;
  pending.clear();
}

/**
 * Where the plotting area of each time chart sits inside its canvas, CSS px from the edges:
 * src/charts/ draws every chart with a MARGIN of 8 on each side, a 24 px x-label area
 * below, and a y-label area on the left (Y_AREA: 52 for latency, 48 for the others).
 * Keep these equal to the Rust constants: the anomaly marks are placed with them.
 */
const PLOT_INSETS = {
  latency: { left: 60, right: 8, top: 8, bottom: 32 },
  requests: { left: 56, right: 8, top: 8, bottom: 32 },
  tokens: { left: 56, right: 8, top: 8, bottom: 32 },
};

/** Buckets a time axis shows at least (MIN_AXIS_BUCKETS in src/charts/mod.rs). */
const MIN_AXIS_BUCKETS = 8;

/**
 * The time axis of chart `name` for `series` (a Dashboard's): {insets, fraction(ms)}, where
 * fraction maps a time to 0..1 across the plotting area, as TimeAxis does in
 * src/charts/mod.rs (a short series is centred on a padded axis). Null for a chart
 * without a time axis or a series without buckets.
 */
export function timeAxisFrame(name, series) {
  const insets = PLOT_INSETS[name];
  const starts = series && Array.isArray(series.start_ms) ? series.start_ms : [];
  if (!insets || starts.length === 0) return null;
  const bucketMs = Math.max(1, series.bucket_secs || 0) * 1000;
  const first = starts[0];
  const last = starts[starts.length - 1] + bucketMs;
  const pad = Math.max(0, MIN_AXIS_BUCKETS - (last - first) / bucketMs) * bucketMs / 2;
  const lo = first - pad;
  const hi = last + pad;
  return { insets, bucketMs, fraction: (ms) => (ms - lo) / (hi - lo) };
}

/** The chart names the engine knows, for a sanity check against the page. */
export async function chartNames() {
  const mod = await pageWasm();
  return mod.chart_names();
}
