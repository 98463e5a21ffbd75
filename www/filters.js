// Filter dropdowns (#filter-model, #filter-application): filled from the loaded data's
// options, and turned into the engine's view {models: [], applications: []} (empty = all).

const modelSelect = () => document.getElementById('filter-model');
const appSelect = () => document.getElementById('filter-application');

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
  return { models: m ? [m] : [], applications: a ? [a] : [] };
}

function updateClear() {
  const v = currentView();
  document.getElementById('filter-clear').hidden = v.models.length === 0 && v.applications.length === 0;
}

/** Fills the dropdowns from dashboard.options and resets them to "all". */
export function setFilterOptions(options) {
  const o = options || {};
  fill(modelSelect(), o.models, 'All models');
  fill(appSelect(), o.applications, 'All applications');
  updateClear();
}

/** Calls `onChange(view)` whenever a filter changes. */
export function initFilters(onChange) {
  const fire = () => {
    updateClear();
    onChange(currentView());
  };
  modelSelect().addEventListener('change', fire);
  appSelect().addEventListener('change', fire);
  document.getElementById('filter-clear').addEventListener('click', () => {
    modelSelect().value = '';
    appSelect().value = '';
    fire();
  });
}
