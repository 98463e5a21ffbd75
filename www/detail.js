// The request detail drawer (#detail, a modal <dialog>: focus stays inside, Esc closes).
// The engine keeps no text, so the record's source text is read back from the File it came
// from over its byte span (readback.js: a Blob.slice, or for a gzip file its decompressed
// stream up to the span), parsed here and shown field by field: prompt, output and error
// in scrollable blocks, every other field in a table. A JSON record is parsed as JSON; a
// CSV/TSV row against its file's header (the report's columns). A Parquet record is found
// by its row number (span coding parquet): the worker reads the file's footer and that
// row's row group and answers the row as a JSON object. An Arrow IPC record by its batch
// (span coding arrow: the offset of the batch's message, the row in it): the worker reads
// the schema and that one message. Records without a span (span coding none: compressed
// Parquet or Arrow, Arrow with dictionary-encoded columns, gzip inside gzip) show their
// figures, with a note.
//
// Masking: every string from the line goes through the engine's redact_text (emails,
// phone and card numbers, API keys, IP addresses) before it is shown, in this tab, unless
// "Show unmasked" is ticked; each opening starts masked again. Text is inserted with
// textContent only.
//
// #detail[data-state] is loading | ready | raw (shown as text, not a record) | figures (no
// text to read back) | error, and [data-masked] true | false, for the browser tests.

import { pageWasm, wasmErrorMessage } from './wasm.js';
import { csvRecord } from './csv.js';
import { spanRecord } from './otlp.js';
import { readSpan, StaleRead } from './readback.js';
import {
  NULL_TEXT, formatBytes, formatInt, formatMs, formatUsd, formatTsSeconds, getDisplayZone,
} from './format.js';

/** Field names of the long texts, in the order they are shown (first found wins). */
const TEXT_FIELDS = [
  { label: 'Prompt', keys: ['input_prompt', 'prompt', 'input', 'messages', 'request_body', 'gen_ai.prompt', 'gen_ai.input.messages', 'input.value'] },
  { label: 'Output', keys: ['llm_output', 'output', 'completion', 'response', 'response_body', 'gen_ai.completion', 'gen_ai.output.messages', 'output.value'] },
  { label: 'Error', keys: ['error_message', 'error', 'statusMessage', 'status_message'] },
];

/** Shown when a record's text cannot be read back (span coding none). */
export const FIGURES_ONLY_NOTE = 'The original text of this file cannot be read back (it is compressed Parquet or Arrow, Arrow with dictionary-encoded columns, or compressed twice). '
  + 'These are the figures the dashboard counted for this request.';

/** The engine's placeholders, highlighted where they replace text. */
const PLACEHOLDER = /(\[(?:email|phone|card|api-key|secret|ip)\])/;

/** Field names of the request start: its time in the display zone is shown beside the raw value. */
const TIME_FIELDS = new Set(['timestamp', 'ts', 'time', 'created_at']);

const $ = (id) => document.getElementById(id);

/** What is shown: {row, fileName, kind, text, record | null, reason} — kept to re-render. */
let current = null;
/** Bumped on each opening, so a slow read for an earlier row is dropped. */
let token = 0;
/** The element to give the focus back to on close. */
let opener = null;
/** redact_text of the page's wasm module, or the reason it is unavailable. */
let redactor = null;
/** (file, {coding, format, offset, row}) -> the worker's answer {ok, text, message}: a Parquet or Arrow record. */
let readColumnarRow = null;

function el(tag, text, className) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = text;
  if (className) e.className = className;
  return e;
}

function masked() {
  return !$('detail-unmask').checked;
}

/** `s` as it may be shown now: masked unless "Show unmasked" is on. */
function shown(s) {
  if (!masked()) return s;
  if (typeof redactor === 'function') {
    try {
      return redactor(s);
    } catch (err) {
      redactor = `masking failed: ${err && err.message ? err.message : err}`;
    }
  }
  // Never show unmasked text because masking is unavailable.
  return `[hidden: ${redactor || 'masking is unavailable'}]`;
}

/**
 * Puts `s` (as shown()) into `target` as text; in masked mode each placeholder becomes a
 * <mark>, so what was masked stands out. Still text nodes only: no markup from the log.
 */
function fillText(target, s) {
  const text = shown(s);
  if (!masked()) {
    target.textContent = text;
    return;
  }
  const parts = text.split(PLACEHOLDER);
  target.replaceChildren(...parts.map((part, i) => (i % 2 === 1 ? el('mark', part, 'masked') : document.createTextNode(part))));
}

async function loadRedactor() {
  if (typeof redactor === 'function') return;
  let mod = null;
  try {
    mod = await pageWasm();
    const fn = mod.redact_text;
    redactor = (s) => {
      try {
        return fn(s);
      } catch (err) {
        throw new Error(wasmErrorMessage(mod, err));
      }
    };
  } catch (err) {
    redactor = `the masking module could not be loaded (${err && err.message ? err.message : err})`;
  }
}

/** A scrollable block of long text. */
function textBlock(label, key, value) {
  const section = el('section', null, 'detail-text');
  section.dataset.field = key;
  const head = el('h3', label);
  head.append(el('span', key, 'detail-key'));
  const pre = el('pre', null, 'detail-pre');
  fillText(pre, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  pre.tabIndex = 0; // Scrollable by keyboard.
  section.append(head, pre);
  return section;
}

/** The object or array that `s` is as JSON, or null. */
function jsonContainer(s) {
  try {
    const v = JSON.parse(s);
    return v !== null && typeof v === 'object' ? v : null;
  } catch {
    return null;
  }
}

/** The table cell of any JSON value: strings and containers masked, numbers as written. */
function valueCell(key, v, row, fromCsv = false) {
  const td = document.createElement('td');
  if (v === null || v === '') {
    td.className = 'null';
    td.textContent = v === null ? 'null' : '""';
  } else if (typeof v === 'string' && fromCsv && /^\s*[[{]/.test(v) && jsonContainer(v)) {
    // A CSV cell holding JSON (metadata, usage): shown like a nested JSON value.
    td.className = 'json';
    const pre = el('pre', null, 'detail-pre detail-pre-small');
    fillText(pre, JSON.stringify(jsonContainer(v), null, 2));
    td.append(pre);
  } else if (typeof v === 'string') {
    td.className = 'str';
    fillText(td, v);
  } else if (typeof v === 'number' || typeof v === 'boolean') {
    td.className = 'num';
    td.textContent = String(v);
    if (TIME_FIELDS.has(key) && row.ts) td.append(el('span', `${formatTsSeconds(row.ts)} ${getDisplayZone()}`, 'detail-hint'));
  } else {
    td.className = 'json';
    const pre = el('pre', null, 'detail-pre detail-pre-small');
    fillText(pre, JSON.stringify(v, null, 2));
    td.append(pre);
  }
  return td;
}

function figure(label, text, bad) {
  const d = el('div', null, 'detail-figure');
  d.append(el('div', label, 'detail-figure-label'), el('div', text, `detail-figure-value${bad ? ' bad-text' : ''}`));
  return d;
}

/** The engine's figures of the row: what the dashboard counted. */
function figures(row) {
  const box = el('div', null, 'detail-figures');
  const status = [typeof row.status === 'number' ? String(row.status) : null, row.error ? (row.error_type || 'error') : null]
    .filter(Boolean).join(' · ') || NULL_TEXT;
  box.append(
    figure('Latency', formatMs(row.latency_ms)),
    figure('Status', status, row.error),
    figure('Tokens in', formatInt(row.input_tokens)),
    figure('Tokens out', formatInt(row.output_tokens)),
    figure('Cost', formatUsd(row.cost_usd)),
  );
  if (typeof row.ttft_ms === 'number') box.append(figure('Time to first token', formatMs(row.ttft_ms)));
  return box;
}

/** Whether `v` is worth a text block: a non-empty string, or a non-empty object or list. */
function hasText(v) {
  if (typeof v === 'string') return v !== '';
  if (Array.isArray(v)) return v.length > 0;
  return v !== null && typeof v === 'object' && Object.keys(v).length > 0;
}

function render() {
  if (!current) return;
  const { row, record, text, reason, fileName, kind } = current;
  const dialog = $('detail');
  dialog.dataset.masked = masked() ? 'true' : 'false';
  dialog.dataset.kind = kind;
  $('detail-title').textContent = `Request at ${formatTsSeconds(row.ts)} ${getDisplayZone()}`;
  $('detail-sub').textContent = [row.model, row.application].filter(Boolean).join(' · ');
  const parquet = current.coding === 'parquet';
  const arrow = current.coding === 'arrow';
  const unit = kind === 'csv' || parquet || arrow ? 'Row' : 'Line';
  const of = current.coding === 'gzip' ? `of ${fileName}, decompressed` : `of ${fileName}`;
  let where = `${unit} at byte ${formatInt(row.span_offset)} (${formatBytes(row.span_len)}) ${of}`;
  if (kind === 'figures') where = `From ${fileName}`;
  else if (parquet) where = `Row ${formatInt(Number(row.span_offset) + 1)} (row group ${current.rowGroup}) ${of}`;
  else if (arrow) where = `Row ${formatInt(Number(row.span_len) + 1)} of the record batch at byte ${formatInt(row.span_offset)} ${of}`;

  const body = [figures(row)];
  if (kind === 'figures') {
    body.push(el('p', FIGURES_ONLY_NOTE, 'detail-note detail-note-figures'));
  } else if (record) {
    const used = new Set();
    for (const t of TEXT_FIELDS) {
      const key = t.keys.find((k) => hasText(record[k]));
      if (key) {
        used.add(key);
        body.push(textBlock(t.label, key, record[key]));
      }
    }
    const table = el('table', null, 'detail-fields');
    let captionText = unit === 'Row' ? 'All fields of the row, in column order' : 'All fields of the line, in file order';
    if (current.span) captionText = 'The request\'s span in the line: its fields, its attributes by key, then its resource\'s (resource.*)';
    const caption = el('caption', captionText);
    const tbody = document.createElement('tbody');
    for (const [k, v] of Object.entries(record)) {
      if (used.has(k)) continue;
      const tr = document.createElement('tr');
      tr.dataset.field = k;
      const th = el('th', k);
      th.scope = 'row';
      tr.append(th, valueCell(k, v, row, kind === 'csv'));
      tbody.append(tr);
    }
    table.append(caption, tbody);
    body.push(table);
  } else if (text !== null) {
    const what = kind === 'csv' ? 'a row of its CSV file' : 'a JSON object';
    const note = el('p', `This ${unit.toLowerCase()} could not be read back as ${what} (${reason}), so its raw text is shown.`, 'detail-note');
    body.push(note, textBlock('Raw line', 'raw', text));
  } else {
    body.push(el('p', reason, 'detail-note detail-note-error'));
  }
  body.push(el('p', where, 'detail-where'));
  $('detail-body').replaceChildren(...body);
}

/**
 * Reads the record of `row` back from `file` (its source; `info` is that file's entry of
 * the import report: format, columns, span_coding), then shows it.
 */
async function load(file, row, info) {
  const mine = ++token;
  const dialog = $('detail');
  const fileName = file ? file.name : (info && info.name) || '';
  const coding = (info && info.span_coding) || 'plain';
  dialog.dataset.state = 'loading';
  const loading = {
    gzip: 'Decompressing the file up to the record…',
    parquet: 'Reading the row group of the record from the file…',
    arrow: 'Reading the record batch of the record from the file…',
  }[coding] || 'Reading the record from the file…';
  $('detail-body').replaceChildren(el('p', loading, 'detail-note'));
  // "csv+gzip" is a CSV file inside gzip: the inner format decides how a record is parsed.
  const format = ((info && info.format) || '').split('+')[0];
  const delimiter = format === 'tsv' ? '\t' : format === 'csv' ? ',' : null;
  let kind = delimiter ? 'csv' : 'json';
  const start = Number(row.span_offset);
  const end = start + Number(row.span_len);
  let text = null;
  let record = null;
  let reason = '';
  let state = 'ready';
  let rowGroup = null;
  let span = null;
  await loadRedactor();
  // An Arrow span's length is the row in its batch, 0 for the first.
  if ((coding !== 'arrow' && !(Number(row.span_len) > 0)) || coding === 'none') {
    kind = 'figures';
    state = 'figures';
  } else if (!file) {
    state = 'error';
    reason = 'The file is no longer available in this tab, so the record cannot be read back.';
  } else if (coding === 'parquet' || coding === 'arrow') {
    const ask = { coding, format, offset: start, row: Number(row.span_len) };
    const answer = readColumnarRow ? await readColumnarRow(file, ask) : { ok: false, message: 'no reader' };
    if (answer.ok) {
      text = answer.text;
      rowGroup = answer.rowGroup;
    } else {
      state = 'error';
      reason = `Could not read the row from the file (it may have been changed since it was loaded): ${answer.message}`;
    }
  } else {
    try {
      text = await readSpan(file, coding, start, end - start, () => mine !== token);
    } catch (err) {
      if (err instanceof StaleRead) return; // Another row was opened meanwhile.
      state = 'error';
      reason = 'Could not read the record from the file (it may have been changed or moved since it was loaded): '
        + `${err && err.message ? err.message : err}`;
    }
  }
  if (text !== null && kind === 'csv') {
    // One CSV row, its line end included: parsed against the file's header.
    const columns = Array.isArray(info.columns) ? info.columns : [];
    record = csvRecord(text.replace(/^\uFEFF/, ''), columns, delimiter);
    if (!record) {
      reason = `its fields do not line up with the ${columns.length} columns of the header`;
      state = 'raw';
      text = text.replace(/\r?\n$/, '');
    }
  } else if (text !== null) {
    // A byte-order mark or a CR of a CRLF file is not part of the record.
    const json = text.replace(/^\uFEFF/, '').replace(/\r$/, '');
    try {
      const v = JSON.parse(json);
      if (v && typeof v === 'object' && !Array.isArray(v)) {
        // An OpenTelemetry document holds many spans: the request's own is shown.
        span = spanRecord(v, row);
        record = span || v;
      } else {
        reason = 'not an object';
      }
    } catch (err) {
      reason = err && err.message ? err.message : String(err);
    }
    if (!record) state = 'raw';
  }
  if (mine !== token) return; // Another row was opened meanwhile.
  current = { row, record, text, reason, fileName, kind, coding, rowGroup, span: span !== null };
  render();
  dialog.dataset.state = state;
}

/**
 * Opens the drawer for `row` (a RequestRow) of `file`, `info` its file's entry of the import
 * report; `from` gets the focus back.
 */
export function openDetail(file, row, from, info = null) {
  const dialog = $('detail');
  opener = from || document.activeElement;
  $('detail-unmask').checked = false; // Every opening starts masked.
  dialog.dataset.masked = 'true';
  current = null;
  $('detail-title').textContent = `Request at ${formatTsSeconds(row.ts)} ${getDisplayZone()}`;
  $('detail-sub').textContent = [row.model, row.application].filter(Boolean).join(' · ');
  if (!dialog.open) dialog.showModal();
  load(file, row, info);
}

/** Closes the drawer if it is open. */
export function closeDetail() {
  const dialog = $('detail');
  token += 1;
  if (dialog.open) dialog.close();
}

/**
 * `readRow(file, ask)`: the worker's answer for a record of a Parquet or Arrow file, `ask`
 * {coding, format, offset, row} (from its span).
 */
export function initDetail(readRow) {
  readColumnarRow = readRow;
  const dialog = $('detail');
  $('detail-close').addEventListener('click', () => closeDetail());
  $('detail-unmask').addEventListener('change', render);
  dialog.addEventListener('close', () => {
    current = null;
    $('detail-body').replaceChildren();
    dialog.dataset.state = 'closed';
    if (opener && opener.isConnected) opener.focus();
    opener = null;
  });
  // A click on the backdrop (outside the drawer's box) closes it too.
  dialog.addEventListener('click', (e) => {
    if (e.target !== dialog) return;
    const r = dialog.getBoundingClientRect();
    const inside = e.clientX >= r.left && e.clientX <= r.right && e.clientY >= r.top && e.clientY <= r.bottom;
    if (!inside) closeDetail();
  });
}
