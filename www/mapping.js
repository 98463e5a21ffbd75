// The field mapping: which column of a file holds which canonical field, for files the
// engine cannot read by itself (a CSV with its own column names). This module proposes a
// mapping from column names and sample values, keeps the user's choice in localStorage
// (keyed by the sorted column names, so the next file with the same header gets it), and
// runs the mapping dialog (#mapping, a modal <dialog>).
//
// A mapping is {format, map: {canonical: column}, ts_unit, model}; optionsOf() turns it
// into the engine's set_options object. Every name from a file goes in as text.

import { pageWasm } from './wasm.js';

const STORE_PREFIX = 'tokenlens.mapping.v1:';

/** What each canonical field is, for the dialog. */
const FIELD_LABELS = {
  ts: ['Request start', 'time: ISO 8601 or an epoch number'],
  latency_ms: ['Latency', 'milliseconds'],
  latency_s: ['Latency', 'seconds'],
  end_ts: ['Request end', 'time; latency = end − start'],
  ttft_ms: ['Time to first token', 'milliseconds'],
  status: ['HTTP status', 'a code such as 200 or 429'],
  error: ['Error message', 'not empty = failed'],
  error_type: ['Error class', 'text'],
  model: ['Model', 'text'],
  provider: ['Provider', 'text'],
  application: ['Application', 'text'],
  user_id: ['User', 'text'],
  input_tokens: ['Input tokens', 'prompt'],
  output_tokens: ['Output tokens', 'completion'],
  total_tokens: ['Total tokens', 'when there is no split'],
  cached_input_tokens: ['Cached input tokens', 'part of the input'],
  reasoning_tokens: ['Reasoning tokens', 'part of the output'],
  cost_usd: ['Cost', 'US dollars'],
  cost_cents: ['Cost', 'US cents'],
};

const TS_UNITS = [['', 'auto'], ['s', 'seconds'], ['ms', 'milliseconds'], ['us', 'microseconds'], ['ns', 'nanoseconds']];

const $ = (id) => document.getElementById(id);

function el(tag, text, className) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = text;
  if (className) e.className = className;
  return e;
}

// ---------- choices ----------

let choicesPromise = null;

/** The engine's {columns: [canonical names], profiles: [[name, title], ...]}. */
export function mappingChoices() {
  if (!choicesPromise) {
    choicesPromise = pageWasm().then((mod) => {
      const c = mod.mapping_choices();
      return { columns: Array.from(c.columns), profiles: Array.from(c.profiles, (p) => [p[0], p[1]]) };
    });
    choicesPromise.catch(() => { choicesPromise = null; });
  }
  return choicesPromise;
}

// ---------- saved mappings ----------

function storeKey(columns) {
  return STORE_PREFIX + JSON.stringify([...columns].sort());
}

/** The mapping saved for files with these column names, or null. */
export function savedMapping(columns) {
  if (!Array.isArray(columns) || columns.length === 0) return null;
  try {
    const raw = window.localStorage.getItem(storeKey(columns));
    if (!raw) return null;
    const m = JSON.parse(raw);
    return m && typeof m === 'object' && m.map && typeof m.map === 'object' ? normalise(m) : null;
  } catch {
    return null;
  }
}

/** Saves `mapping` for files with these column names (quietly, when storage refuses). */
export function saveMapping(columns, mapping) {
  if (!Array.isArray(columns) || columns.length === 0) return;
  try {
    window.localStorage.setItem(storeKey(columns), JSON.stringify(normalise(mapping)));
  } catch { /* private mode or full: the mapping still applies to this import */ }
}

/** Forgets the mapping saved for these column names. */
export function forgetMapping(columns) {
  if (!Array.isArray(columns) || columns.length === 0) return;
  try {
    window.localStorage.removeItem(storeKey(columns));
  } catch { /* nothing to forget */ }
}

function normalise(m) {
  const map = {};
  for (const [k, v] of Object.entries(m.map || {})) {
    if (typeof v === 'string' && v !== '' && Object.hasOwn(FIELD_LABELS, k)) map[k] = v;
  }
  return {
    format: typeof m.format === 'string' ? m.format : '',
    map,
    ts_unit: typeof m.ts_unit === 'string' ? m.ts_unit : '',
    model: typeof m.model === 'string' ? m.model : '',
  };
}

/** The engine's set_options object for a mapping. */
export function optionsOf(mapping) {
  const m = normalise(mapping || {});
  const o = { map: Object.entries(m.map).map(([canonical, column]) => `${canonical}=${column}`) };
  if (m.format) o.format = m.format;
  if (m.ts_unit) o.ts_unit = m.ts_unit;
  if (m.model.trim()) o.model = m.model.trim();
  return o;
}

/** "when → ts, how_long_s → latency_s" for the note under the import report. */
export function describeMapping(mapping) {
  const m = normalise(mapping || {});
  const parts = Object.entries(m.map).map(([k, v]) => `${v} → ${k}`);
  if (m.format) parts.unshift(`read as ${m.format}`);
  if (m.ts_unit) parts.push(`times in ${m.ts_unit}`);
  if (m.model.trim()) parts.push(`model ${m.model.trim()}`);
  return parts.join(', ');
}

// ---------- proposal ----------

/** "responseTime" / "Response-Time" -> ["response", "time"]. */
function words(name) {
  return String(name).replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
}

function numberOf(v) {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v.trim()))) return Number(v.trim());
  return null;
}

/** Non-empty sample values of each column. */
function samplesByColumn(columns, records) {
  const out = new Map(columns.map((c) => [c, []]));
  for (const r of records || []) {
    for (const c of columns) {
      const v = r[c];
      if (v === null || v === undefined || v === '') continue;
      out.get(c).push(v);
    }
  }
  return out;
}

/** Whether every sample is a number (true when there are no samples: names decide). */
function numeric(samples) {
  return samples.every((v) => numberOf(v) !== null);
}

function timeLike(samples) {
  return samples.every((v) => numberOf(v) !== null || (typeof v === 'string' && !Number.isNaN(Date.parse(v.replace(' ', 'T')))));
}

const any = (ws, list) => ws.some((w) => list.includes(w));
const TOKENISH = ['tokens', 'token', 'tok', 'toks', 'units'];

/**
 * Rules in the order they claim columns (a more specific name first: "response_time" is a
 * latency, "time_to_first_token" a TTFT, before "time" makes a start time). Each: the
 * canonical field, a test on the column's words and joined name, and the kind of values.
 */
const RULES = [
  { field: 'ttft_ms', kind: 'number', test: (w, j) => any(w, ['ttft']) || /time_to_first_token|first_token/.test(j) },
  { field: 'latency', kind: 'number', test: (w, j) => any(w, ['duration', 'latency', 'elapsed', 'took', 'delay']) || /response_time|how_long|time_taken/.test(j) },
  { field: 'end_ts', kind: 'time', test: (w, j) => /^(end|ended|finished|completed)(_(at|time|ts|timestamp))?$/.test(j) || /^end_?time$/.test(j) },
  { field: 'ts', kind: 'time', test: (w) => any(w, ['time', 'timestamp', 'ts', 'date', 'datetime', 'created', 'when', 'start', 'started']) },
  { field: 'error_type', kind: 'text', test: (w) => any(w, ['error', 'err', 'exception']) && any(w, ['type', 'class', 'kind', 'category']) },
  { field: 'status', kind: 'number', test: (w, j) => j === 'code' || j === 'status' || /(^|_)status(_code)?$/.test(j) || /^http_code$/.test(j) },
  { field: 'error', kind: 'text', test: (w) => any(w, ['error', 'err', 'exception', 'failure']) },
  { field: 'model', kind: 'text', test: (w) => any(w, ['model', 'engine', 'deployment', 'llm']) },
  { field: 'provider', kind: 'text', test: (w) => any(w, ['provider', 'vendor']) },
  { field: 'application', kind: 'text', test: (w) => any(w, ['app', 'application', 'service', 'project']) },
  { field: 'user_id', kind: 'text', test: (w) => any(w, ['user', 'who', 'customer', 'userid']) },
  { field: 'cached_input_tokens', kind: 'number', test: (w) => any(w, ['cached', 'cache']) && (any(w, TOKENISH) || any(w, ['read'])) },
  { field: 'reasoning_tokens', kind: 'number', test: (w) => any(w, ['reasoning', 'thinking']) },
  { field: 'input_tokens', kind: 'number', test: (w) => any(w, ['prompt', 'input', 'in']) && (any(w, TOKENISH) || w.length === 1) },
  { field: 'output_tokens', kind: 'number', test: (w) => any(w, ['completion', 'output', 'out', 'generated']) && (any(w, TOKENISH) || w.length === 1) },
  { field: 'total_tokens', kind: 'number', test: (w, j) => j === 'tokens' || (any(w, ['total']) && any(w, TOKENISH)) },
  { field: 'cost_cents', kind: 'number', test: (w) => any(w, ['cents', 'cent']) },
  { field: 'cost_usd', kind: 'number', test: (w) => any(w, ['cost', 'price', 'spend', 'usd', 'dollars', 'charge']) },
];

/** Whether latency values in `samples` look like seconds: typically < 100, with decimals. */
function looksLikeSeconds(samples) {
  const xs = samples.map(numberOf).filter((x) => x !== null).sort((a, b) => a - b);
  if (xs.length === 0) return false;
  const median = xs[Math.floor(xs.length / 2)];
  return median < 100 && xs.some((x) => !Number.isInteger(x));
}

/**
 * A mapping proposed from column names (case-insensitive synonyms) and sample values:
 * `records` are the first rows of the file(s), as objects.
 */
export function proposeMapping(columns, records) {
  const samples = samplesByColumn(columns, records);
  const used = new Set();
  const map = {};
  for (const rule of RULES) {
    const column = columns.find((c) => {
      if (used.has(c)) return false;
      const w = words(c);
      if (!rule.test(w, w.join('_'))) return false;
      const s = samples.get(c) || [];
      if (rule.kind === 'number') return numeric(s);
      if (rule.kind === 'time') return timeLike(s);
      return true;
    });
    if (!column) continue;
    used.add(column);
    if (rule.field === 'latency') {
      const w = words(column);
      let seconds;
      if (any(w, ['ms', 'millis', 'milliseconds', 'msec'])) seconds = false;
      else if (any(w, ['s', 'sec', 'secs', 'seconds'])) seconds = true;
      else seconds = looksLikeSeconds(samples.get(column) || []);
      map[seconds ? 'latency_s' : 'latency_ms'] = column;
    } else {
      map[rule.field] = column;
    }
  }
  return { format: '', map, ts_unit: '', model: '' };
}

// ---------- dialog ----------

/** The dialog's state while it is open. */
let open = null;

function option(value, text) {
  // new Option(text, value) sets text as text, never as HTML.
  return new Option(text, value);
}

function shortSample(v) {
  if (v === undefined) return '';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  const one = s.replace(/\s+/g, ' ');
  return one.length > 48 ? `${one.slice(0, 47)}…` : one;
}

function setError(message) {
  const box = $('mapping-error');
  box.textContent = message || '';
  box.hidden = !message;
}

function current() {
  const map = {};
  for (const sel of $('mapping-fields').querySelectorAll('select[data-field]')) {
    if (sel.value !== '') map[sel.dataset.field] = sel.value;
  }
  return {
    format: $('mapping-format').value,
    map,
    ts_unit: $('mapping-ts-unit').value,
    model: $('mapping-model').value,
  };
}

function updateSample(sel) {
  const cell = sel.closest('tr').querySelector('.mapping-sample');
  const samples = open ? open.samples.get(sel.value) : null;
  cell.textContent = sel.value !== '' && samples && samples.length ? `e.g. ${shortSample(samples[0])}` : '';
}

/**
 * Opens the mapping dialog.
 *   files:    [{name, columns}] the files to map (their columns are offered)
 *   records:  sample records of those files, for the proposal and the examples shown
 *   initial:  a mapping to start from (the one in use or saved), else a proposal is made
 *   reason:   why it opened ('' when the user asked)
 *   apply(mapping): resolves to an error message (shown, the dialog stays) or null (closes)
 *   forget(): optional; drops the saved mapping (the button shows only when given)
 */
export async function openMappingDialog({ files, records, initial, reason, apply, forget }) {
  const dialog = $('mapping');
  const choices = await mappingChoices();
  const columns = [];
  for (const f of files) for (const c of f.columns || []) if (!columns.includes(c)) columns.push(c);
  const proposal = proposeMapping(columns, records);
  const start = initial ? normalise(initial) : proposal;
  open = { samples: samplesByColumn(columns, records), apply, forget };

  $('mapping-files').textContent = files.map((f) => f.name).join(', ');
  const why = $('mapping-reason');
  why.textContent = reason || '';
  why.hidden = !reason;
  $('mapping-source').textContent = initial
    ? 'Filled in with the mapping in use. Pick a column for each field the file has; leave the others at —.'
    : 'Proposed from the column names and the first rows: check each one, pick a column for each field the file has, leave the others at —.';

  const tbody = document.createElement('tbody');
  const selects = [];
  for (const field of choices.columns) {
    const tr = document.createElement('tr');
    tr.dataset.field = field;
    const [label, unit] = FIELD_LABELS[field] || [field, ''];
    const th = el('th', null, 'mapping-label');
    th.scope = 'row';
    const id = `mapping-field-${field}`;
    const lab = el('label', label);
    lab.htmlFor = id;
    th.append(lab, el('span', `${field}${unit ? ` · ${unit}` : ''}`, 'mapping-canonical'));
    const sel = document.createElement('select');
    sel.id = id;
    sel.dataset.field = field;
    sel.append(option('', '—'), ...columns.map((c) => option(c, c)));
    const chosen = start.map[field];
    sel.value = chosen && columns.includes(chosen) ? chosen : '';
    if (!initial && sel.value !== '') sel.dataset.proposed = 'true';
    sel.addEventListener('change', () => {
      delete sel.dataset.proposed;
      updateSample(sel);
    });
    const tdSel = document.createElement('td');
    tdSel.append(sel);
    tr.append(th, tdSel, el('td', '', 'mapping-sample'));
    tbody.append(tr);
    selects.push(sel);
  }
  $('mapping-fields').replaceChildren(tbody);
  for (const sel of selects) updateSample(sel);

  const fmt = $('mapping-format');
  fmt.replaceChildren(option('', 'Auto-detect'), ...choices.profiles.map(([name, title]) => option(name, title)));
  fmt.value = choices.profiles.some(([n]) => n === start.format) ? start.format : '';
  const unit = $('mapping-ts-unit');
  unit.replaceChildren(...TS_UNITS.map(([v, t]) => option(v, t)));
  unit.value = TS_UNITS.some(([v]) => v === start.ts_unit) ? start.ts_unit : '';
  $('mapping-model').value = start.model || '';
  $('mapping-forget').hidden = !forget;
  setError('');
  $('mapping-apply').disabled = false;
  dialog.dataset.state = 'open';
  if (!dialog.open) dialog.showModal();
  const first = $('mapping-fields').querySelector('select');
  if (first) first.focus();
}

/** Closes the dialog if it is open. */
export function closeMappingDialog() {
  const dialog = $('mapping');
  if (dialog.open) dialog.close();
}

export function initMapping() {
  const dialog = $('mapping');
  $('mapping-cancel').addEventListener('click', () => closeMappingDialog());
  $('mapping-apply').addEventListener('click', async () => {
    if (!open) return;
    const mine = open;
    const button = $('mapping-apply');
    button.disabled = true;
    dialog.dataset.state = 'applying';
    setError('');
    let message;
    try {
      message = await mine.apply(current());
    } catch (err) {
      message = err && err.message ? err.message : String(err);
    }
    if (open !== mine) return;
    button.disabled = false;
    if (message) {
      dialog.dataset.state = 'error';
      setError(message);
      return;
    }
    closeMappingDialog();
  });
  $('mapping-forget').addEventListener('click', () => {
    const f = open && open.forget;
    closeMappingDialog();
    if (f) f();
  });
  dialog.addEventListener('close', () => {
    open = null;
    dialog.dataset.state = 'closed';
  });
}
