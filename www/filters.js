// The view's controls: model and application (filled from the loaded data's options), a
// time range ending at the data's last request, the bucket width and the display time zone
// (the browser's by default, remembered in localStorage). They become the engine's view
// {models, applications, from_ms, to_ms, bucket, tz}; empty lists mean all.

import { browserZone, setDisplayZone } from './format.js';

const modelSelect = () => document.getElementById('filter-model');
const appSelect = () => document.getElementById('filter-application');
const rangeSelect = () => document.getElementById('filter-range');
const bucketSelect = () => document.getElementById('filter-bucket');
const zoneSelect = () => document.getElementById('filter-zone');

const ZONE_KEY = 'tokenlens.zone';

/** The loaded data's last request start, ms: "last 24 hours" ends there. */
let lastMs = null;

function fill(select, values, allLabel) {
  const opts = [new Option(allLabel, '')];
  const seen = new Set();
  for (const v of values || []) {
    const s = String(v);
    if (seen.has(s)) continue;
    seen.add(s);
    // new Option(text, value) sets text as text, never as HTML.
    opts.push(new Option(s, s));
  }
  select.replaceChildren(...opts);
  select.value = '';
  select.disabled = opts.length <= 1;
}

/** Current view for the engine. */
export function currentView() {
  const m = modelSelect().value;
  const a = appSelect().value;
  const span = Number(rangeSelect().value);
  const view = {
    models: m ? [m] : [],
    applications: a ? [a] : [],
    bucket: bucketSelect().value,
    tz: zoneSelect().value || 'UTC',
  };
  if (span > 0 && Number.isFinite(lastMs)) {
    // The range ends just after the last request, so that request is in it.
    view.to_ms = lastMs + 1;
    view.from_ms = view.to_ms - span;
  }
  return view;
}

function updateClear() {
  const v = currentView();
  // Hidden but keeping its place (data-idle), so that showing it moves nothing on the page.
  document.getElementById('filter-clear').toggleAttribute('data-idle', v.models.length === 0
    && v.applications.length === 0 && !rangeSelect().value && !bucketSelect().value);
}

/**
 * Fills the dropdowns from dashboard.options and resets model, application and range to
 * "all"; `lastTs` (ISO 8601) is the data's last request, where time ranges end.
 */
export function setFilterOptions(options, lastTs) {
  const o = options || {};
  fill(modelSelect(), o.models, 'All models');
  fill(appSelect(), o.applications, 'All applications');
  const t = Date.parse(lastTs || '');
  lastMs = Number.isFinite(t) ? t : null;
  rangeSelect().value = '';
  rangeSelect().disabled = lastMs == null;
  updateClear();
}

/** The zone list: the browser's first, then UTC, then every zone the browser knows. */
function fillZones() {
  const own = browserZone();
  let all = [];
  try {
    all = Intl.supportedValuesOf('timeZone');
  } catch {
    all = [];
  }
  const opts = [new Option(`${own} (this browser)`, own)];
  if (own !== 'UTC') opts.push(new Option('UTC', 'UTC'));
  for (const z of all) if (z !== own && z !== 'UTC') opts.push(new Option(z, z));
  zoneSelect().replaceChildren(...opts);
  let saved = null;
  try {
    saved = localStorage.getItem(ZONE_KEY);
  } catch {
    saved = null;
  }
  zoneSelect().value = saved && opts.some((o) => o.value === saved) ? saved : own;
  setDisplayZone(zoneSelect().value);
}

/** Calls `onChange(view)` whenever a filter changes. */
export function initFilters(onChange) {
  fillZones();
  const fire = () => {
    updateClear();
    onChange(currentView());
  };
  modelSelect().addEventListener('change', fire);
  appSelect().addEventListener('change', fire);
  rangeSelect().addEventListener('change', fire);
  bucketSelect().addEventListener('change', fire);
  zoneSelect().addEventListener('change', () => {
    setDisplayZone(zoneSelect().value);
    try {
      localStorage.setItem(ZONE_KEY, zoneSelect().value);
    } catch {
      // Private mode: the choice lasts for this page only.
    }
    fire();
  });
  document.getElementById('filter-clear').addEventListener('click', () => {
    modelSelect().value = '';
    appSelect().value = '';
    rangeSelect().value = '';
    bucketSelect().value = '';
    fire();
  });
}
