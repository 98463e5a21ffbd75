// Chart drawing on the page thread: sizes each [data-chart] canvas for devicePixelRatio and
// asks the wasm module's draw_chart to paint it. Redraws on resize (ResizeObserver) and when
// the colour scheme flips between light and dark.
//
// A new dashboard draws at once only the charts in view (an IntersectionObserver says which);
// the others are cleared, marked stale (their card's data-stale) and drawn afterwards, one
// per task so the page stays responsive, or at once when one scrolls into view first. So a
// chart never shows the previous view's figures as current, and a newer dashboard takes over
// whatever is left to draw.
//
// The page's own copy of the wasm module comes from wasm.js, which replaces it after a
// panic. A chart with nothing to plot (latency of an export that has none) is not drawn:
// its card says why instead (setChartEmpty).

import { pageWasm, loadedPageWasm, wasmErrorMessage } from './wasm.js';
import { getDisplayZone } from './format.js';

const darkQuery = window.matchMedia('(prefers-color-scheme: dark)');

/** The current dashboard as the engine's JSON text (null: none). */
let dashboard = null;
/** Its chart data read into a module, {mod, charts}: read once, drawn by each chart. */
let chartSet = null;
let onError = () => {};
/** canvas -> {width, height} in device pixels, as last measured. */
const sizes = new Map();
const pending = new Set();
let frame = 0;

/** Canvases drawn from data of their own, not the dashboard (budgets' burn-downs): canvas -> data. */
const own = new WeakMap();

/** Dashboard canvases whose pixels are not (yet) the current dashboard's. */
const stale = new Set();
/** Canvases with something drawn on them (the others have nothing to clear). */
const painted = new WeakSet();
/** Dashboard canvases in the viewport, as the IntersectionObserver last said. */
const inView = new Set();
/**
 * Whether `inView` is up to date: false from a dashboard canvas's resize (it may have moved
 * in or out of view) until the IntersectionObserver next reports.
 */
let inViewKnown = false;
/** The pending task that draws the next stale chart (0: none). */
let backgroundTimer = 0;
/** Bumped by every new dashboard: a draw that waited for the module checks it is still current. */
let generation = 0;

function canvases() {
  return Array.from(document.querySelectorAll('canvas[data-chart], canvas[data-own-chart]'));
}

function dashboardCanvases() {
  return Array.from(document.querySelectorAll('canvas[data-chart]'));
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
  return rect;
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

function hasSize(canvas) {
  const size = sizes.get(canvas);
  return !!size && size.width >= 2 && size.height >= 2;
}

/** Frees the last dashboard's chart data (its module may be gone after a panic: then nothing). */
function freeChartSet() {
  try {
    if (chartSet) chartSet.charts.free();
  } catch { /* the instance is gone */ }
  chartSet = null;
}

/** The current dashboard's charts in `mod`, read from its JSON the first time. */
function chartsIn(mod) {
  if (!chartSet || chartSet.mod !== mod || chartSet.json !== dashboard) {
    freeChartSet();
    chartSet = { mod, json: dashboard, charts: new mod.Charts(new TextEncoder().encode(dashboard)) };
  }
  return chartSet.charts;
}

/** Draws one chart (false: nothing to draw it with or on yet). */
function drawOne(mod, canvas) {
  if (isEmpty(canvas)) return false;
  const size = sizes.get(canvas);
  const data = own.get(canvas);
  if (!hasSize(canvas) || !(data || dashboard)) return false;
  if (canvas.width !== size.width) canvas.width = size.width;
  if (canvas.height !== size.height) canvas.height = size.height;
  const name = canvas.dataset.chart || canvas.dataset.ownChart;
  try {
    const options = { dpr: window.devicePixelRatio || 1, dark: darkQuery.matches };
    if (data) mod.draw_chart(canvas, name, data, options);
    else chartsIn(mod).draw(canvas, name, options);
  } catch (err) {
    throw new Error(`Drawing chart "${name}" failed: ${wasmErrorMessage(mod, err)}`);
  }
  painted.add(canvas);
  if (stale.delete(canvas)) setStale(canvas, false);
  return true;
}

function setStale(canvas, yes) {
  const card = canvas.closest('.chart-card');
  if (!card) return;
  if (yes) card.dataset.stale = ''; else delete card.dataset.stale;
}

/**
 * Marks a dashboard chart as not showing the current dashboard: its pixels are cleared (a
 * chart drawn later must not show older figures meanwhile). A chart with nothing to plot
 * (its card says why) is never stale.
 */
function markStale(canvas, quiet = false) {
  if (isEmpty(canvas)) {
    if (stale.delete(canvas)) setStale(canvas, false);
    return;
  }
  if (!stale.has(canvas)) {
    stale.add(canvas);
    if (!quiet) setStale(canvas, true);
  }
  if (painted.delete(canvas)) {
    const ctx = canvas.getContext('2d');
    if (ctx) ctx.clearRect(0, 0, canvas.width, canvas.height);
  }
}

/** Draws `list` with the page's module now if it is loaded, else once it is. */
function drawNow(list) {
  pageWasm().then((mod) => {
    for (const c of list) {
      try {
        drawOne(mod, c);
      } catch (err) {
        onError(err);
        return;
      }
    }
  }, (err) => onError(new Error(`Could not load the chart module: ${err.message || err}`)));
}

function flush() {
  frame = 0;
  if (pending.size === 0) return;
  const todo = Array.from(pending);
  pending.clear();
  drawNow(todo);
}

function schedule(list) {
  for (const c of list) pending.add(c);
  if (!frame) frame = requestAnimationFrame(flush);
}

/**
 * Stale charts that can be drawn, the ones in view first, then top to bottom (one without a
 * size yet is drawn once the ResizeObserver gives it one).
 */
function staleInOrder() {
  const all = dashboardCanvases().filter((c) => stale.has(c) && !isEmpty(c) && hasSize(c));
  return all.filter((c) => inView.has(c)).concat(all.filter((c) => !inView.has(c)));
}

/** Draws the stale charts one per task, until none is left or a newer dashboard comes. */
function scheduleBackground() {
  clearTimeout(backgroundTimer);
  backgroundTimer = setTimeout(() => {
    backgroundTimer = 0;
    const next = staleInOrder()[0];
    if (!next || !dashboard) return;
    pageWasm().then((mod) => {
      try {
        drawOne(mod, next);
      } catch (err) {
        onError(err);
        return;
      }
      if (staleInOrder().length) scheduleBackground();
    }, (err) => onError(new Error(`Could not load the chart module: ${err.message || err}`)));
  }, 0);
}

/** Stops drawing the charts left over from the last dashboard (a newer one is on its way). */
export function cancelPendingDraws() {
  clearTimeout(backgroundTimer);
  backgroundTimer = 0;
}

/** Every dashboard chart drawn again: those in view now, the others after. */
function redrawDashboard() {
  if (!dashboard) return;
  const all = dashboardCanvases();
  for (const c of all) if (!inView.has(c)) markStale(c);
  drawNow(all.filter((c) => inView.has(c)));
  scheduleBackground();
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
  if (changed.some((c) => !own.has(c))) inViewKnown = false;
  // A chart in view is drawn before this frame is painted; one out of view only once it
  // comes into view (or by the background pass).
  const now = [];
  for (const c of changed) {
    if (own.has(c)) schedule([c]);
    else if (inView.has(c)) now.push(c);
    else if (dashboard) {
      markStale(c);
      scheduleBackground();
    }
  }
  if (now.length) drawNow(now);
});

const visibility = new IntersectionObserver((entries) => {
  const now = [];
  inViewKnown = true;
  for (const e of entries) {
    const c = e.target;
    if (e.isIntersecting) {
      inView.add(c);
      if (stale.has(c) && dashboard) now.push(c);
    } else {
      inView.delete(c);
    }
  }
  if (now.length) drawNow(now);
});

/** Starts observing the canvases; `errorHandler(err)` is told about failed draws. */
export function initCharts(errorHandler) {
  onError = errorHandler;
  for (const c of canvases()) observe(c);
  for (const c of dashboardCanvases()) visibility.observe(c);
  darkQuery.addEventListener('change', () => {
    schedule(canvases().filter((c) => own.has(c)));
    redrawDashboard();
  });
  watchPixelRatio();
  // Warm up the module so the first dashboard draws without waiting for it.
  pageWasm().catch(() => {});
}

/** Whether a canvas's box meets the viewport. */
function meetsViewport(rect) {
  return rect.width > 0 && rect.height > 0 && rect.bottom > 0 && rect.top < window.innerHeight
    && rect.right > 0 && rect.left < window.innerWidth;
}

/**
 * Draws the charts in view of a dashboard (`json`: the engine's text of it), so the caller can mark the page ready once this
 * resolves to true; the others are cleared at once and drawn in later tasks, or when they
 * come into view. Resolves to false when a newer dashboard came meanwhile (the caller must
 * then not mark the page ready).
 *
 * The charts in view are drawn before this returns when the module is loaded, so the caller
 * can fill the rest of the page after them: drawn first, they see the page's style and
 * layout as the last frame left them, with nothing to recompute. `layoutFirst`: instead,
 * give the page a turn before drawing (the first dashboard of a file, whose layout is new),
 * so the tables and the charts are not built in one long task.
 */
export function drawCharts(json, bucketLabel, { layoutFirst = false } = {}) {
  dashboard = json;
  const mine = ++generation;
  cancelPendingDraws();
  const all = dashboardCanvases();
  // Nothing may show the previous dashboard's figures: a chart is stale until drawn again.
  // The charts about to be drawn in this task are not marked on the page: a mark changes
  // the page's style, and a canvas given a font then has the whole page's style computed
  // again before it draws (measured: 8-12 ms of a 1M-record time range change).
  const now = loadedPageWasm() && !layoutFirst ? trustedInView(all) : null;
  for (const c of all) markStale(c, now && now.includes(c));
  const labels = () => {
    for (const el of document.querySelectorAll('.bucket-label')) {
      const text = bucketLabel ? `· per ${bucketLabel}, ${getDisplayZone()}` : `· ${getDisplayZone()}`;
      if (el.textContent !== text) el.textContent = text;
    }
  };
  const ready = loadedPageWasm();
  if (ready && !layoutFirst) {
    drawInView(ready, all, mine);
    labels();
    return Promise.resolve(true);
  }
  labels();
  return (async () => {
    const mod = await pageWasm();
    if (layoutFirst) await afterNextFrame();
    if (mine !== generation) return false;
    drawInView(mod, all, mine);
    return true;
  })();
}

/**
 * Resolves in a task after the next frame, so that the page's new layout is done by the
 * browser's own rendering rather than forced inside the task that draws (or after 100 ms,
 * in a tab that draws no frames).
 */
function afterNextFrame() {
  return new Promise((resolve) => {
    let done = false;
    const go = () => {
      if (!done) {
        done = true;
        setTimeout(resolve, 0);
      }
    };
    requestAnimationFrame(go);
    setTimeout(go, 100);
  });
}

/** The charts of `all` in view, by the IntersectionObserver's word; null when it is not up to date. */
function trustedInView(all) {
  const trusted = inViewKnown && all.every((c) => isEmpty(c) || hasSize(c));
  return trusted ? all.filter((c) => inView.has(c)) : null;
}

/** Draws the charts of `all` in view now; the background pass and a check at the next frame do the rest. */
function drawInView(mod, all, mine) {
  // Which charts are in view: the IntersectionObserver's word when it is up to date (no
  // layout forced here); else every box is read (one layout, the one the page needs anyway
  // for a dashboard it has not laid out yet).
  const visible = trustedInView(all) || all.filter((c) => meetsViewport(measure(c, null)));
  // (One may have been drawn meanwhile, when it came into view.)
  for (const c of visible) if (stale.has(c)) drawOne(mod, c);
  scheduleBackground();
  // The layout this view's tables and cards make may bring another chart into view: checked
  // before the next frame is painted, when that layout is done anyway.
  requestAnimationFrame(() => {
    if (mine !== generation) return;
    const late = staleInOrder().filter((c) => meetsViewport(c.getBoundingClientRect()));
    for (const c of late) measure(c, null);
    if (late.length) drawNow(late);
  });
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
  // Unchanged (the usual case on a filter change): nothing touched, nothing to lay out again.
  if (message ? card.dataset.empty !== undefined && note.textContent === message
    : card.dataset.empty === undefined && note.hidden) return;
  if (message) {
    card.dataset.empty = '';
    note.textContent = message;
    note.hidden = false;
    if (stale.delete(canvas)) setStale(canvas, false);
    if (painted.delete(canvas)) {
      const ctx = canvas.getContext('2d');
      if (ctx) ctx.clearRect(0, 0, canvas.width, canvas.height);
    }
  } else {
    delete card.dataset.empty;
    note.textContent = '';
    note.hidden = true;
  }
}

/** Forgets the current dashboard (charts are hidden with the dashboard anyway). */
export function clearCharts() {
  dashboard = null;
  freeChartSet();
  generation += 1;
  cancelPendingDraws();
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
