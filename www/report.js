// Tables: metrics by model and by application, and the import report of skipped lines.
// Every string from the log goes in through textContent.

import {
  NULL_TEXT, formatInt, formatPercent, formatMs, formatUsd, formatBytes, formatDuration, rawValue,
} from './format.js';

const lat = (r, k) => (r.latency_ms ? r.latency_ms[k] : null);

const GROUP_COLUMNS = [
  { head: 'Requests', value: (r) => r.requests, fmt: formatInt },
  { head: 'Errors', value: (r) => r.errors, fmt: formatInt },
  { head: 'Error rate', value: (r) => r.error_rate, fmt: formatPercent, bad: (v) => v >= 0.05 },
  { head: 'p50', value: (r) => lat(r, 'p50'), fmt: formatMs },
  { head: 'p95', value: (r) => lat(r, 'p95'), fmt: formatMs },
  { head: 'p99', value: (r) => lat(r, 'p99'), fmt: formatMs },
  { head: 'Input tokens', value: (r) => r.input_tokens, fmt: formatInt },
  { head: 'Output tokens', value: (r) => r.output_tokens, fmt: formatInt },
  { head: 'Cost', value: (r) => r.cost_usd, fmt: formatUsd },
];

function el(tag, text, className) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = text;
  if (className) e.className = className;
  return e;
}

function headRow(cells) {
  const thead = document.createElement('thead');
  const tr = document.createElement('tr');
  for (const c of cells) {
    const th = el('th', c);
    th.scope = 'col';
    tr.append(th);
  }
  thead.append(tr);
  return thead;
}

function numCell(value, fmt, bad) {
  const isNull = typeof value !== 'number' || !Number.isFinite(value);
  const td = el('td', isNull ? NULL_TEXT : fmt(value));
  td.dataset.value = rawValue(value);
  if (isNull) td.className = 'null';
  else if (bad && bad(value)) td.className = 'bad';
  return td;
}

/** Renders rows of {<key>, requests, errors, ...} into `table`. */
function renderGroups(table, rows, key, label) {
  const tbody = document.createElement('tbody');
  for (const r of rows || []) {
    const tr = document.createElement('tr');
    const name = r[key];
    tr.dataset.name = name == null ? '' : String(name);
    const nameCell = el('td', name == null ? NULL_TEXT : String(name), 'name');
    nameCell.title = name == null ? '' : String(name);
    tr.append(nameCell);
    for (const c of GROUP_COLUMNS) tr.append(numCell(c.value(r), c.fmt, c.bad));
    tbody.append(tr);
  }
  if (!rows || rows.length === 0) {
    const tr = document.createElement('tr');
    const td = el('td', 'No records match the filters.', 'null');
    td.colSpan = GROUP_COLUMNS.length + 1;
    tr.append(td);
    tbody.append(tr);
  }
  table.replaceChildren(headRow([label, ...GROUP_COLUMNS.map((c) => c.head)]), tbody);
}

/** Fills the by-model and by-application tables from a Dashboard. */
export function renderTables(dashboard) {
  renderGroups(document.getElementById('by-model'), dashboard.by_model, 'model', 'Model');
  renderGroups(document.getElementById('by-application'), dashboard.by_application, 'application', 'Application');
}

/**
 * Fills #import-report from the engine's ImportReport:
 * {bytes, lines, records, skipped_lines, errors:[{line, byte_offset, reason}], has_latency}.
 */
export function renderImportReport(report, info = {}) {
  const section = document.getElementById('import-report');
  const summary = document.getElementById('import-summary');
  const table = document.getElementById('import-errors');
  const more = document.getElementById('import-more');
  const r = report || {};
  const skipped = typeof r.skipped_lines === 'number' ? r.skipped_lines : (r.errors || []).length;
  section.dataset.skipped = String(skipped);

  const parts = [];
  const strong = (t) => el('strong', t);
  parts.push('Read ', strong(formatBytes(r.bytes)));
  if (info.name) parts.push(' from ', strong(info.name));
  parts.push(': ', strong(formatInt(r.lines)), ' lines, ', strong(formatInt(r.records)), ' records');
  if (skipped > 0) parts.push(', ', el('strong', `${formatInt(skipped)} skipped`, 'bad-text'), ' (malformed lines, listed below)');
  else parts.push(', no line skipped');
  if (typeof info.elapsedMs === 'number') parts.push(` in ${formatDuration(info.elapsedMs / 1000)}`);
  parts.push('.');
  if (r.has_latency === false) parts.push(' No record has a latency, so latency figures show —.');
  summary.replaceChildren(...parts);

  const errors = Array.isArray(r.errors) ? r.errors : [];
  const tbody = document.createElement('tbody');
  for (const e of errors) {
    const tr = document.createElement('tr');
    tr.dataset.line = rawValue(e.line);
    tr.append(
      numCell(e.line, formatInt),
      numCell(e.byte_offset, formatInt),
      el('td', e.reason == null ? NULL_TEXT : String(e.reason), 'reason mono'),
    );
    tbody.append(tr);
  }
  table.replaceChildren(headRow(['Line', 'Byte offset', 'Reason']), tbody);
  more.textContent = skipped > errors.length
    ? `Showing the first ${formatInt(errors.length)} of ${formatInt(skipped)} skipped lines.` : '';
}

/** Empties the tables and the report. */
export function clearReport() {
  for (const id of ['by-model', 'by-application', 'import-errors']) document.getElementById(id).replaceChildren();
  document.getElementById('import-summary').replaceChildren();
  document.getElementById('import-more').textContent = '';
}
