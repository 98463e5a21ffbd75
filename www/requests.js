// The drill-down list (#requests): up to 50 requests of the current view, in the order the
// segmented control picks (slowest, latest, errors, costliest). Rows come from the engine
// (figures and each line's byte span, no text); a click, or Enter on a row's time button,
// opens that request's details. Every string from the log goes in through textContent.
//
// #requests[data-state] is empty | loading | ready | error, and [data-order] the order the
// shown rows are in, so the browser tests know when a list is the one they asked for.

import {
  NULL_TEXT, formatInt, formatMs, formatUsd, formatTsSeconds, rawValue, getDisplayZone,
} from './format.js';

export const REQUESTS_LIMIT = 50;

const NOTES = {
  slowest: 'Slowest first',
  latest: 'Most recent first',
  errors: 'Failed requests only, most recent first',
  costliest: 'Most expensive first',
};

const EMPTY = {
  slowest: 'No request matching the filters has a latency.',
  latest: 'No request matches the filters.',
  errors: 'No failed request matches the filters.',
  costliest: 'No request matching the filters has a cost.',
};

const $ = (id) => document.getElementById(id);

let onOpenRow = () => {};
/** The rows shown, by their index in the table body. */
let shown = [];

function el(tag, text, className) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = text;
  if (className) e.className = className;
  return e;
}

function numCell(value, fmt) {
  const isNull = typeof value !== 'number' || !Number.isFinite(value);
  const td = el('td', isNull ? NULL_TEXT : fmt(value), isNull ? 'null' : undefined);
  td.dataset.value = rawValue(value);
  return td;
}

function textCell(text, className) {
  const s = text == null ? '' : String(text);
  const td = el('td', s || NULL_TEXT, className);
  td.title = s;
  return td;
}

/** "503 · server_error", "200", "error" (failed without a status), "—". */
function statusText(r) {
  const parts = [];
  if (typeof r.status === 'number') parts.push(String(r.status));
  if (r.error) parts.push(r.error_type || (parts.length ? '' : 'error'));
  return parts.filter(Boolean).join(' · ') || NULL_TEXT;
}

function headRow() {
  const thead = document.createElement('thead');
  const tr = document.createElement('tr');
  for (const [text, cls] of [
    [`Time (${getDisplayZone()})`], ['Model', 'left'], ['Application', 'left'], ['Latency'], ['Status', 'left'],
    ['Tokens in'], ['Tokens out'], ['Cost'],
  ]) {
    const th = el('th', text, cls);
    th.scope = 'col';
    tr.append(th);
  }
  thead.append(tr);
  return thead;
}

function rowElement(r, index) {
  const tr = document.createElement('tr');
  tr.dataset.index = String(index);
  tr.dataset.row = String(r.row);
  tr.dataset.offset = String(r.span_offset);
  tr.dataset.len = String(r.span_len);
  tr.dataset.file = String(r.file ?? 0);
  tr.dataset.error = r.error ? 'true' : 'false';
  if (r.error) tr.className = 'is-error';

  const timeCell = document.createElement('td');
  timeCell.dataset.value = r.ts || '';
  const open = el('button', formatTsSeconds(r.ts), 'row-open');
  open.type = 'button';
  open.title = r.ts ? `${r.ts} — open this request` : 'Open this request';
  timeCell.append(open);

  const status = textCell(statusText(r), `left status${r.error ? ' bad' : ''}`);
  status.dataset.value = typeof r.status === 'number' ? String(r.status) : '';
  tr.append(
    timeCell,
    textCell(r.model, 'name left'),
    textCell(r.application, 'name left'),
    numCell(r.latency_ms, formatMs),
    status,
    numCell(r.input_tokens, formatInt),
    numCell(r.output_tokens, formatInt),
    numCell(r.cost_usd, formatUsd),
  );
  return tr;
}

/** The order the segmented control shows. */
export function currentOrder() {
  const checked = document.querySelector('input[name="requests-order"]:checked');
  return checked ? checked.value : 'slowest';
}

/** Checks `order` in the segmented control (no change event: the caller asks for the list). */
export function setOrder(order) {
  const input = document.querySelector(`input[name="requests-order"][value="${order}"]`);
  if (input) input.checked = true;
}

/** A list is on its way for `order`: keep the old rows, dimmed. */
export function setRequestsLoading(order) {
  const section = $('requests');
  section.dataset.state = 'loading';
  section.dataset.pendingOrder = order;
}

/** Shows the engine's rows (RequestRow objects) for `order`. */
export function renderRequests(rows, order) {
  const section = $('requests');
  shown = Array.isArray(rows) ? rows : [];
  const tbody = document.createElement('tbody');
  shown.forEach((r, i) => tbody.append(rowElement(r, i)));
  if (shown.length === 0) {
    const tr = document.createElement('tr');
    const td = el('td', EMPTY[order] || EMPTY.latest, 'null left');
    td.colSpan = 8;
    tr.append(td);
    tbody.append(tr);
  }
  $('requests-table').replaceChildren(headRow(), tbody);
  const count = shown.length >= REQUESTS_LIMIT ? `the first ${REQUESTS_LIMIT}` : formatInt(shown.length);
  $('requests-note').textContent = `${NOTES[order] || ''} · ${count} of the requests matching the filters`
    + ' · click a row to see its prompt, output and every field.';
  section.dataset.order = order;
  section.dataset.count = String(shown.length);
  section.dataset.state = 'ready';
}

/** The list could not be computed (the page shows the engine's message). */
export function setRequestsError() {
  $('requests').dataset.state = 'error';
}

/** Empties the list (no file loaded). */
export function clearRequests() {
  shown = [];
  $('requests-table').replaceChildren();
  $('requests-note').textContent = '';
  const section = $('requests');
  section.dataset.state = 'empty';
  section.dataset.count = '0';
}

/**
 * Wires the order control and the rows: `onOrderChange(order)` when another order is
 * picked, `onOpen(row, opener)` when a row is chosen (opener gets the focus back).
 */
export function initRequests(onOrderChange, onOpen) {
  onOpenRow = onOpen;
  for (const input of document.querySelectorAll('input[name="requests-order"]')) {
    input.addEventListener('change', () => {
      if (input.checked) onOrderChange(input.value);
    });
  }
  $('requests-table').addEventListener('click', (e) => {
    const tr = e.target.closest('tbody tr[data-index]');
    if (!tr) return;
    const r = shown[Number(tr.dataset.index)];
    if (!r) return;
    for (const open of tr.parentElement.querySelectorAll('tr.is-open')) open.classList.remove('is-open');
    tr.classList.add('is-open');
    onOpenRow(r, tr.querySelector('.row-open'));
  });
}
