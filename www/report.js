// Tables: metrics by model and by application, and the import report (each file read, with
// its format and export, and the skipped lines). A cost cell carries small tags when its
// cost is (partly) computed from list prices, unknown for unpriced requests, or logged
// more than 1% away from the list price (cost.js words them; the full sentence is the title).
// Every string from the log goes in through textContent.

import {
  NULL_TEXT, formatInt, formatPercent, formatMs, formatUsd, formatBytes, formatDuration, rawValue,
} from './format.js';
import { costTags } from './cost.js';

const lat = (r, k) => (r.latency_ms ? r.latency_ms[k] : null);

const GROUP_COLUMNS = [
  { head: 'Requests', value: (r) => r.requests, fmt: formatInt },
  {
    head: 'Errors',
    value: (r) => r.errors,
    fmt: formatInt,
    // The failures by class, e.g. "rate_limit 12 · server_error 3".
    title: (r) => (r.error_types || []).map((e) => `${e.error_type} ${formatInt(e.count)}`).join(' · '),
  },
  { head: 'Error rate', value: (r) => r.error_rate, fmt: formatPercent, bad: (v) => v >= 0.05 },
  { head: 'p50', value: (r) => lat(r, 'p50'), fmt: formatMs },
  { head: 'p95', value: (r) => lat(r, 'p95'), fmt: formatMs },
  { head: 'p99', value: (r) => lat(r, 'p99'), fmt: formatMs },
  { head: 'Input tokens', value: (r) => r.input_tokens, fmt: formatInt },
  { head: 'Output tokens', value: (r) => r.output_tokens, fmt: formatInt },
  { head: 'Cost', value: (r) => r.cost_usd, fmt: formatUsd, tags: costTags },
];

const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const quality = (r, k) => (r.quality ? r.quality[k] : null);

/** Quality columns, each shown when the view's requests carry its signal (`count`). */
const QUALITY_COLUMNS = [
  {
    count: 'feedback_count',
    head: 'Thumbs up',
    value: (r) => quality(r, 'thumbs_up_rate'),
    fmt: formatPercent,
    title: (r) => `${formatInt(quality(r, 'feedback_count') || 0)} rated (${formatPercent(quality(r, 'feedback_coverage'))} of requests)`,
  },
  {
    count: 'hallucination_count',
    head: 'Hallucination',
    value: (r) => quality(r, 'hallucination_rate'),
    fmt: formatPercent,
    bad: (v) => v >= 0.1,
    title: (r) => `${formatInt(quality(r, 'hallucination_count') || 0)} judged (${formatPercent(quality(r, 'hallucination_coverage'))} of requests)`,
  },
  {
    count: 'safety_count',
    head: 'Safety flags',
    value: (r) => quality(r, 'safety_violation_rate'),
    fmt: formatPercent,
    bad: (v) => v > 0,
    title: (r) => `${formatInt(quality(r, 'safety_count') || 0)} checked (${formatPercent(quality(r, 'safety_coverage'))} of requests)`,
  },
];

/** Columns of the cost tables (features, tags): what each costs, per request and per 1,000. */
function costColumns(totalCost) {
  const perRequest = (r) => (num(r.cost_usd) !== null && r.cost_count > 0 ? r.cost_usd / r.cost_count : null);
  return [
    { head: 'Requests', value: (r) => r.requests, fmt: formatInt },
    { head: 'Error rate', value: (r) => r.error_rate, fmt: formatPercent, bad: (v) => v >= 0.05 },
    { head: 'Mean latency', value: (r) => lat(r, 'mean'), fmt: formatMs },
    { head: 'Input tokens', value: (r) => r.input_tokens, fmt: formatInt },
    { head: 'Output tokens', value: (r) => r.output_tokens, fmt: formatInt },
    { head: 'Cost', value: (r) => r.cost_usd, fmt: formatUsd, tags: costTags },
    { head: 'Per request', value: perRequest, fmt: formatUsd },
    { head: 'Per 1k requests', value: (r) => (perRequest(r) === null ? null : perRequest(r) * 1000), fmt: formatUsd },
    {
      head: 'Share of cost',
      value: (r) => (num(r.cost_usd) !== null && totalCost > 0 ? r.cost_usd / totalCost : null),
      fmt: formatPercent,
    },
  ];
}

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

/** Puts `tags` ([{kind, text, title}]) before the figure of `td`; data-value keeps the number. */
function addTags(td, tags) {
  if (!tags.length) return;
  td.classList.add('tagged');
  td.prepend(...tags.map((t) => {
    const tag = el('span', t.text, 'tag');
    tag.dataset.kind = t.kind;
    tag.title = t.title;
    return tag;
  }));
  td.dataset.tags = tags.map((t) => t.kind).join(' ');
}

/** Renders rows of {<key>, requests, errors, ...} into `table`, one cell per column. */
function renderGroups(table, rows, key, label, columns = GROUP_COLUMNS) {
  const tbody = document.createElement('tbody');
  for (const r of rows || []) {
    const tr = document.createElement('tr');
    const name = r[key];
    tr.dataset.name = name == null ? '' : String(name);
    const nameCell = el('td', name == null ? NULL_TEXT : String(name), 'name');
    nameCell.title = name == null ? '' : String(name);
    tr.append(nameCell);
    for (const c of columns) {
      const td = numCell(c.value(r), c.fmt, c.bad);
      if (c.tags) addTags(td, c.tags(r));
      if (c.title) td.title = c.title(r);
      tr.append(td);
    }
    tbody.append(tr);
  }
  if (!rows || rows.length === 0) {
    const tr = document.createElement('tr');
    const td = el('td', 'No records match the filters.', 'null');
    td.colSpan = columns.length + 1;
    tr.append(td);
    tbody.append(tr);
  }
  table.replaceChildren(headRow([label, ...columns.map((c) => c.head)]), tbody);
}

/** Fills the by-model, by-application, cost by feature and tag, and top-users tables from a Dashboard. */
export function renderTables(dashboard) {
  const summary = dashboard.summary || {};
  const columns = [...GROUP_COLUMNS, ...QUALITY_COLUMNS.filter((c) => quality(summary, c.count) > 0)];
  renderGroups(document.getElementById('by-model'), dashboard.by_model, 'model', 'Model', columns);
  renderGroups(document.getElementById('by-application'), dashboard.by_application, 'application', 'Application', columns);
  const total = num(summary.cost_usd) || 0;
  renderGroups(document.getElementById('by-feature'), dashboard.by_feature, 'name', 'Feature', costColumns(total));
  renderGroups(document.getElementById('by-tag'), dashboard.by_tag, 'name', 'Tag', costColumns(total));
  renderGroups(document.getElementById('top-users'), dashboard.top_users, 'user_id', 'User', columns);
}

/** "csv", "jsonl+gzip" -> a reader's name for the format. */
function formatText(format) {
  if (!format) return 'not a known format';
  return format.split('+').map((p) => ({
    jsonl: 'JSON Lines', json: 'JSON', csv: 'CSV', tsv: 'TSV', gzip: 'gzip', parquet: 'Parquet', arrow: 'Arrow', arrows: 'Arrow stream',
  }[p] || p)).join(', ');
}

/** One row per file of the import: what it was read as and what it gave. */
function renderFiles(table, files, profileTitles, mapped) {
  const tbody = document.createElement('tbody');
  for (const [i, f] of files.entries()) {
    const tr = document.createElement('tr');
    tr.dataset.file = String(i);
    tr.dataset.format = f.format || '';
    tr.dataset.profile = f.profile || '';
    tr.dataset.spanCoding = f.span_coding || '';
    const name = el('td', f.name || '(unnamed)', 'file-name left');
    name.title = f.name || '';
    const fmt = el('td', formatText(f.format), 'left');
    fmt.title = f.format || '';
    const title = f.profile ? (profileTitles[f.profile] || f.profile) : NULL_TEXT;
    const profile = el('td', title, `left${f.profile ? '' : ' null'}`);
    profile.title = f.profile || '';
    const notes = [];
    if (mapped && f.records > 0) notes.push('with your field mapping');
    if (f.span_coding === 'none' && f.records > 0) notes.push('no text to read back (compressed Parquet or Arrow, or Arrow with dictionary columns): drill-down shows figures only');
    if (f.span_coding === 'gzip' && f.records > 0) notes.push('compressed: drill-down decompresses up to the request');
    if (f.records === 0 && (f.columns || []).length > 0) notes.push('no record read: map its fields');
    const skipped = numCell(f.skipped, formatInt, (v) => v > 0);
    tr.append(
      name, fmt, profile,
      numCell(f.records, formatInt),
      skipped,
      numCell(f.ignored, formatInt),
      el('td', notes.join('; '), 'note'),
    );
    tbody.append(tr);
  }
  const head = headRow(['File', 'Format', 'Read as', 'Records', 'Skipped', 'Left out', 'Note']);
  for (const th of head.querySelectorAll('th')) {
    if (['File', 'Format', 'Read as', 'Note'].includes(th.textContent)) th.className = 'left';
  }
  head.querySelector('th:nth-child(6)').title = 'Records that are not LLM calls (chain and tool runs, plain HTTP spans)';
  table.replaceChildren(head, tbody);
}

/**
 * Fills #import-report from the engine's ImportReport: {bytes, lines, records,
 * skipped_lines, ignored_records, errors:[{file, line, byte_offset, reason}], has_latency,
 * files:[{name, format, profile, bytes, records, skipped, ignored, columns, span_coding}]}.
 * `info`: {name, elapsedMs, profileTitles: {name: title}, mapped (read with a field mapping)}.
 */
export function renderImportReport(report, info = {}) {
  const section = document.getElementById('import-report');
  const summary = document.getElementById('import-summary');
  const table = document.getElementById('import-errors');
  const more = document.getElementById('import-more');
  const r = report || {};
  const files = Array.isArray(r.files) ? r.files : [];
  const skipped = typeof r.skipped_lines === 'number' ? r.skipped_lines : (r.errors || []).length;
  section.dataset.skipped = String(skipped);
  section.dataset.files = String(files.length);

  const parts = [];
  const strong = (t) => el('strong', t);
  parts.push('Read ', strong(formatBytes(r.bytes)));
  if (files.length > 1) parts.push(' from ', strong(`${files.length} files`));
  else if (info.name) parts.push(' from ', strong(info.name));
  parts.push(': ', strong(formatInt(r.lines)), ' lines, ', strong(formatInt(r.records)), ' records');
  if (r.ignored_records > 0) parts.push(', ', strong(formatInt(r.ignored_records)), ' left out (not LLM calls)');
  if (skipped > 0) parts.push(', ', el('strong', `${formatInt(skipped)} skipped`, 'bad-text'), ' (malformed lines, listed below)');
  else parts.push(', no line skipped');
  if (typeof info.elapsedMs === 'number') parts.push(` in ${formatDuration(info.elapsedMs / 1000)}`);
  parts.push('.');
  if (r.has_latency === false && r.records > 0) parts.push(' This export carries no latency, so latency figures show —.');
  summary.replaceChildren(...parts);

  renderFiles(document.getElementById('import-files'), files, info.profileTitles || {}, !!info.mapped);

  const notes = [el('span', 'Times without a time zone are read as UTC.')];
  if (files.some((f) => f.span_coding === 'none' && f.records > 0)) {
    notes.push(el('span', 'Some files (compressed Parquet or Arrow, Arrow with dictionary-encoded columns) have no text to read back: their requests show figures only.'));
  }
  document.getElementById('import-notes').replaceChildren(...notes);

  const errors = Array.isArray(r.errors) ? r.errors : [];
  const withFile = files.length > 1;
  const tbody = document.createElement('tbody');
  for (const e of errors) {
    const tr = document.createElement('tr');
    tr.dataset.line = rawValue(e.line);
    tr.append(
      numCell(e.line, formatInt),
      numCell(e.byte_offset, formatInt),
      el('td', e.reason == null ? NULL_TEXT : String(e.reason), 'reason mono'),
    );
    if (withFile) tr.append(el('td', e.file == null ? NULL_TEXT : String(e.file), 'file-name left'));
    tbody.append(tr);
  }
  table.replaceChildren(headRow(withFile ? ['Line', 'Byte offset', 'Reason', 'File'] : ['Line', 'Byte offset', 'Reason']), tbody);
  more.textContent = skipped > errors.length
    ? `Showing the first ${formatInt(errors.length)} of ${formatInt(skipped)} skipped lines.` : '';
}

/** Empties the tables and the report. */
export function clearReport() {
  for (const id of ['by-model', 'by-application', 'import-errors', 'import-files']) document.getElementById(id).replaceChildren();
  document.getElementById('import-summary').replaceChildren();
  document.getElementById('import-more').textContent = '';
}
