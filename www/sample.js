// The first rows of a File, read on the page (File.slice of its first 64 KiB, gunzipped when
// it is gzip): its column names and a few records, for the mapping dialog's proposal and
// for finding a saved mapping before the engine reads the file.

import { parseCsv } from './csv.js';

/** How much of a file is read for a sample. */
export const SAMPLE_BYTES = 64 * 1024;
/** How many records a sample keeps. */
const SAMPLE_ROWS = 64;

/** The first `max` bytes of a gzip file's content (as far as a cut stream allows). */
async function gunzipHead(file, max) {
  const reader = file.slice(0, Math.max(max * 4, 256 * 1024)).stream()
    .pipeThrough(new DecompressionStream('gzip')).getReader();
  const parts = [];
  let n = 0;
  let complete = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        complete = true;
        break;
      }
      parts.push(value);
      n += value.byteLength;
      if (n >= max) break;
    }
  } catch {
    // The slice ends inside the compressed stream: keep what came out.
  }
  reader.cancel().catch(() => {});
  const out = new Uint8Array(Math.min(n, max));
  let off = 0;
  for (const p of parts) {
    const take = Math.min(p.byteLength, out.length - off);
    out.set(p.subarray(0, take), off);
    off += take;
    if (off >= out.length) break;
  }
  return { bytes: out, complete: complete && n <= max };
}

function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The records of a parsed JSON document: the array, or the first array member of an object. */
function documentRecords(doc) {
  if (Array.isArray(doc)) return doc;
  if (isObject(doc)) {
    for (const v of Object.values(doc)) if (Array.isArray(v)) return v;
  }
  return [];
}

/** Whether the first line of `text` has more tabs than commas outside quotes. */
function looksTsv(text) {
  let tabs = 0;
  let commas = 0;
  let quoted = false;
  for (const c of text) {
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === '\t') tabs++;
    else if (!quoted && c === ',') commas++;
    else if (!quoted && (c === '\n' || c === '\r')) break;
  }
  return tabs > commas;
}

/**
 * A sample of `file`: {format ('csv' | 'tsv' | 'jsonl' | 'json' | ''), columns (CSV header or
 * the first record's keys), records (objects, up to 64), complete (the whole file was read)}.
 * Never throws: what cannot be read gives an empty sample.
 */
export async function sampleFile(file) {
  const empty = { format: '', columns: [], records: [], complete: false };
  let bytes;
  let complete;
  try {
    bytes = new Uint8Array(await file.slice(0, SAMPLE_BYTES).arrayBuffer());
    complete = file.size <= SAMPLE_BYTES;
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
      if (typeof DecompressionStream !== 'function') return empty;
      ({ bytes, complete } = await gunzipHead(file, SAMPLE_BYTES));
    }
  } catch {
    return empty;
  }
  const text = new TextDecoder('utf-8').decode(bytes).replace(/^\uFEFF/, '');
  const start = text.trimStart();
  if (start.startsWith('{') || start.startsWith('[')) {
    // JSON Lines: every complete line an object.
    const lines = text.split('\n');
    if (!complete) lines.pop();
    const records = [];
    let jsonl = true;
    for (const line of lines) {
      const t = line.trim();
      if (!t) continue;
      try {
        const v = JSON.parse(t);
        if (isObject(v)) records.push(v);
        else jsonl = false;
      } catch {
        jsonl = false;
      }
      if (!jsonl || records.length >= SAMPLE_ROWS) break;
    }
    if (jsonl && records.length > 0) {
      return { format: 'jsonl', columns: Object.keys(records[0]), records, complete };
    }
    // One JSON document: readable here only when it was read whole.
    if (complete) {
      try {
        const recs = documentRecords(JSON.parse(text)).filter(isObject).slice(0, SAMPLE_ROWS);
        return { format: 'json', columns: recs.length ? Object.keys(recs[0]) : [], records: recs, complete };
      } catch {
        return empty;
      }
    }
    return { ...empty, format: 'json' };
  }
  const tsv = looksTsv(text);
  const rows = parseCsv(text, tsv ? '\t' : ',', complete);
  if (rows.length === 0) return empty;
  const columns = rows[0].map((c) => c.trim());
  const records = [];
  for (const r of rows.slice(1, SAMPLE_ROWS + 1)) {
    if (r.length !== columns.length) continue;
    const rec = Object.create(null);
    columns.forEach((c, i) => {
      if (!(c in rec)) rec[c] = r[i];
    });
    records.push(rec);
  }
  return { format: tsv ? 'tsv' : 'csv', columns, records, complete };
}
