// DuckDB-WASM peer of the tokenlens page, for the browser benchmark (bench/browser.mjs).
//
// On load: start DuckDB-WASM (single-threaded bundle, 'eh' by default, ?bundle=mvp for the
// other one): worker, instantiate, open, connect = the start-up, reported on its own.
// On a file chosen in #file-input: ingest the file (JSONL, or CSV when its name ends in .csv),
// then compute the figures tokenlens computes for its dashboard; on a model chosen in
// #filter-model or a time range in #filter-range (the last N ms up to the data's last
// request, the window the tokenlens page makes): the same figures again with WHERE
// model_name = that model AND the timestamp in that window. Timings and a few figures (for
// the harness to check against tokenlens) go into <body data-*>; data-state is starting |
// empty | loading | ready | error.
//
// Ingest, and why it looks like this (all found on this machine, offline):
// - read_json / read_json_auto need DuckDB's json extension, which DuckDB-WASM downloads
//   from the internet: it fails offline. The built-in JSON path is insertJSONFromPath,
//   which reads a JSON array (not JSONL) and fails as a whole on one malformed line.
// - So a JS pre-pass reads the file in pieces of 32 MB (cut at newlines), drops the lines
//   that do not parse (or have a field of the wrong type, as tokenlens skips them), joins
//   the rest into one array per piece (their bytes copied as they are, comma-separated) and
//   appends each piece to the table. The next piece is prepared on the page while DuckDB's
//   worker inserts the previous one.
// - Columns are declared with columnsFlat and DuckDB-WASM's type names ('double', 'int64',
//   'utf8'): arrow.Float64() in `columns` is sent as 'float' and silently becomes 32-bit
//   FLOAT. The declaration only counts with shape: 'row-array'; without a shape DuckDB-WASM
//   infers the types itself and ignores it (every field kept, tokens as 32-bit INTEGER).
//   With it, only the declared columns are kept, as tokenlens keeps only numeric and
//   dictionary columns resident.
// - CSV is read by DuckDB itself: the File is registered (registerFileHandle, read in
//   DuckDB's worker with FileReaderSync) and one CREATE TABLE ... AS SELECT the resident
//   columns FROM read_csv(...) with every column's type declared (no type sniffing), rows
//   that do not fit skipped (ignore_errors), as tokenlens skips them.
// - The worker is started through probe-worker.js, which loads DuckDB-WASM's worker script
//   unchanged and only notes its WebAssembly.Memory, for the harness to read its size.
// - Anything that loads ICU (date_trunc on to_timestamp, ...) crashes offline, so time
//   buckets are epoch arithmetic: floor(timestamp / width).

import * as duckdb from '@duckdb/duckdb-wasm';

const DIST = new URL('/node_modules/@duckdb/duckdb-wasm/dist/', location.href).href;
const params = new URLSearchParams(location.search);
const BUNDLE = params.get('bundle') || 'eh';
const PIECE_BYTES = Number(params.get('piece-mb') || 32) * 1024 * 1024;
// ?validate=0 skips the JS parse (for measuring what it costs): one bad line then fails the
// whole piece, as insertJSONFromPath does on its own.
const VALIDATE = params.get('validate') !== '0';

const body = document.body;
const out = document.getElementById('out');
const fileInput = document.getElementById('file-input');
const modelSelect = document.getElementById('filter-model');
const rangeSelect = document.getElementById('filter-range');

/** Resident columns and their DuckDB types (the generated files' field names). */
const COLUMNS = [
  ['timestamp', 'double'],
  ['application', 'utf8'],
  ['model_name', 'utf8'],
  ['latency_ms', 'double'],
  ['status_code', 'int64'],
  ['error_message', 'utf8'],
  ['prompt_tokens', 'int64'],
  ['completion_tokens', 'int64'],
  ['estimated_cost_usd', 'double'],
];
const COLUMNS_FLAT = COLUMNS.map(([name, sqlType]) => ({ name, sqlType, nullable: true }));

// tokenlens' rule: status 0 or >= 400, or an error message that is not empty or blank.
const ERR = "(status_code >= 400 OR status_code = 0 OR trim(error_message) <> '')";
const FIGURES = `
  count(*) AS requests,
  count(*) FILTER (WHERE ${ERR}) AS errors,
  quantile_cont(latency_ms, [0.5, 0.9, 0.95, 0.99]) AS pct,
  max(latency_ms) AS max_ms,
  avg(latency_ms) AS mean_ms,
  sum(prompt_tokens)::BIGINT AS input_tokens,
  sum(completion_tokens)::BIGINT AS output_tokens,
  sum(estimated_cost_usd) AS cost_usd,
  count(estimated_cost_usd) AS cost_count,
  min(timestamp) AS first_ts,
  max(timestamp) AS last_ts`;
// tokenlens' error classes (src/ingest/mod.rs error_type).
const ERROR_TYPE = `CASE
  WHEN status_code = 429 THEN 'rate_limit'
  WHEN status_code IN (408, 504) THEN 'timeout'
  WHEN contains(lower(error_message), 'rate limit') OR contains(lower(error_message), 'rate_limit') THEN 'rate_limit'
  WHEN contains(lower(error_message), 'timeout') OR contains(lower(error_message), 'timed out') THEN 'timeout'
  WHEN contains(lower(error_message), 'content_filter') OR contains(lower(error_message), 'content filter') THEN 'content_filter'
  WHEN status_code BETWEEN 500 AND 599 THEN 'server_error'
  WHEN status_code BETWEEN 400 AND 499 THEN 'client_error'
  ELSE 'other' END`;
// tokenlens' bucket widths (src/query.rs): the smallest giving at most 400 buckets.
const WIDTHS = [60, 300, 900, 3600, 10800, 21600, 43200, 86400, 604800];

let db = null;
let conn = null;
/** The table's first and last timestamps as tokenlens' µs (null without timestamps). */
let span = { minUs: null, maxUs: null };
/** Bucket width and week shift of the whole table's time range (a model filter keeps them). */
let tableBuckets = { width: 3600, shift: 0 };

function setData(obj) {
  for (const [k, v] of Object.entries(obj)) body.dataset[k] = String(v);
}

function fail(err) {
  const message = (err && (err.message || String(err))) || 'unknown error';
  setData({ state: 'error', error: message });
  out.textContent = `error: ${message}`;
  console.error(err);
}

async function start() {
  const t0 = performance.now();
  const worker = new Worker(new URL(`./probe-worker.js?bundle=${BUNDLE}`, import.meta.url));
  db = new duckdb.AsyncDuckDB(new duckdb.VoidLogger(), worker);
  await db.instantiate(`${DIST}duckdb-${BUNDLE}.wasm`);
  const t1 = performance.now();
  // BIGINT results (counts, sums) as JS numbers, not BigInt.
  await db.open({ query: { castBigIntToDouble: true } });
  conn = await db.connect();
  const t2 = performance.now();
  window.peer = { db, conn }; // For poking at it from devtools or the harness.
  setData({
    bundle: BUNDLE,
    version: await db.getVersion(),
    instantiateMs: (t1 - t0).toFixed(1),
    connectMs: (t2 - t1).toFixed(1),
    startupMs: (t2 - t0).toFixed(1),
    state: 'empty',
  });
}

// ---------- ingest ----------

const NUMERIC = new Set(['timestamp', 'latency_ms', 'status_code', 'prompt_tokens',
  'completion_tokens', 'estimated_cost_usd']);
const INTEGER = new Set(['status_code', 'prompt_tokens', 'completion_tokens']);

/** A parsed line DuckDB can take: an object whose kept fields have the declared types. */
function usable(rec) {
  if (rec === null || typeof rec !== 'object' || Array.isArray(rec)) return false;
  for (const [name] of COLUMNS) {
    const v = rec[name];
    if (v === undefined || v === null) continue;
    if (NUMERIC.has(name)) {
      if (typeof v !== 'number') return false;
      if (INTEGER.has(name) && (!Number.isInteger(v) || v < 0)) return false;
    } else if (typeof v !== 'string') {
      return false;
    }
  }
  return true;
}

function concat(a, b) {
  if (a.length === 0) return b;
  const c = new Uint8Array(a.length + b.length);
  c.set(a, 0);
  c.set(b, a.length);
  return c;
}

async function ingest(file) {
  await conn.query('DROP TABLE IF EXISTS requests');
  const decoder = new TextDecoder();
  let offset = 0;
  let carry = new Uint8Array(0);
  let pieces = 0;
  let records = 0;
  let skipped = 0;
  let created = false;
  let inFlight = Promise.resolve();
  let prepMs = 0;
  while (offset < file.size || carry.length > 0) {
    let bytes;
    let end;
    if (offset < file.size) {
      const chunk = new Uint8Array(await file.slice(offset, offset + PIECE_BYTES).arrayBuffer());
      offset += chunk.length;
      bytes = concat(carry, chunk);
      const nl = bytes.lastIndexOf(10);
      if (nl < 0 && offset < file.size) {
        carry = bytes;
        continue;
      }
      end = offset < file.size ? nl + 1 : bytes.length;
    } else {
      bytes = carry;
      end = bytes.length;
    }
    carry = bytes.slice(end);
    const t0 = performance.now();
    // The kept lines' bytes are copied as they are, comma-separated, into one array: no
    // re-encoding. Line k of the decoded text is the k-th newline-separated run of bytes.
    const json = new Uint8Array(end + 2);
    let pos = 0;
    let kept = 0;
    let start = 0;
    json[pos++] = 0x5b; // [
    const lines = VALIDATE ? decoder.decode(bytes.subarray(0, end)).split('\n') : null;
    for (let k = 0; start < end; k++) {
      const nl = bytes.indexOf(0x0a, start);
      const stop = nl < 0 || nl >= end ? end : nl;
      const from = start;
      start = stop + 1;
      let blank = true;
      for (let i = from; i < stop; i++) {
        if (bytes[i] > 0x20) {
          blank = false;
          break;
        }
      }
      if (blank) continue;
      if (VALIDATE) {
        let rec;
        try {
          rec = JSON.parse(lines[k]);
        } catch {
          skipped++;
          continue;
        }
        if (!usable(rec)) {
          skipped++;
          continue;
        }
      }
      if (kept++ > 0) json[pos++] = 0x2c; // ,
      json.set(bytes.subarray(from, stop), pos);
      pos += stop - from;
    }
    json[pos++] = 0x5d; // ]
    records += kept;
    prepMs += performance.now() - t0;
    if (kept === 0) continue;
    await inFlight; // DuckDB inserts one piece at a time; this piece was built meanwhile.
    const name = `piece-${pieces++}.json`;
    const create = !created;
    created = true;
    inFlight = (async () => {
      await db.registerFileBuffer(name, json.subarray(0, pos));
      await conn.insertJSONFromPath(name, {
        name: 'requests', create, shape: 'row-array', columnsFlat: COLUMNS_FLAT,
      });
      await db.dropFile(name);
    })();
    inFlight.catch(() => {}); // Awaited below; this only keeps it from being "unhandled".
  }
  await inFlight;
  if (!created) throw new Error('no usable record in the file');
  return { records, skipped, pieces, prepMs };
}

/** The article's columns as the CSV copies have them (bench/to_csv.py), types declared. */
const CSV_COLUMNS = [
  ['timestamp', 'DOUBLE'], ['request_id', 'VARCHAR'], ['user_id', 'VARCHAR'],
  ['application', 'VARCHAR'], ['model_name', 'VARCHAR'], ['input_prompt', 'VARCHAR'],
  ['llm_output', 'VARCHAR'], ['latency_ms', 'DOUBLE'], ['status_code', 'BIGINT'],
  ['error_message', 'VARCHAR'], ['prompt_tokens', 'BIGINT'], ['completion_tokens', 'BIGINT'],
  ['total_tokens', 'BIGINT'], ['estimated_cost_usd', 'DOUBLE'],
];

async function ingestCsv(file) {
  await conn.query('DROP TABLE IF EXISTS requests');
  const name = `upload-${Date.now()}.csv`;
  await db.registerFileHandle(name, file, duckdb.DuckDBDataProtocol.BROWSER_FILEREADER, true);
  try {
    const columns = `{${CSV_COLUMNS.map(([c, t]) => `${sqlString(c)}: ${sqlString(t)}`).join(', ')}}`;
    await conn.query(`CREATE TABLE requests AS SELECT ${COLUMNS.map(([c]) => c).join(', ')}
      FROM read_csv(${sqlString(name)}, header = true, delim = ',', quote = '"', escape = '"',
        columns = ${columns}, ignore_errors = true)`);
  } finally {
    await db.dropFile(name);
  }
  const [{ n }] = await rows('SELECT count(*) AS n FROM requests');
  if (!n) throw new Error('no usable record in the file');
  return { records: n, skipped: '', pieces: 1, prepMs: 0 };
}

// ---------- the dashboard's figures ----------

const sqlString = (s) => `'${String(s).replaceAll("'", "''")}'`;

function modelFilter(model) {
  if (model == null) return 'TRUE';
  return model === '(none)' ? 'model_name IS NULL' : `model_name = ${sqlString(model)}`;
}

/** tokenlens' µs of an epoch-seconds timestamp: rounded, half away from zero (src/ingest/time.rs). */
const micros = (secs) => Math.sign(secs) * Math.round(Math.abs(secs * 1e6));

/**
 * The smallest double whose micros() is at least `us`: `timestamp >= it` keeps exactly the
 * records tokenlens keeps from `us` on, as a plain comparison on the column (DuckDB can skip
 * row groups by their min/max; round(timestamp * 1e6) it could not). Found by stepping one
 * double at a time from us / 1e6, a step or two; timestamps after 1970 (positive doubles,
 * whose bits count up with them).
 */
function secondsFrom(us) {
  const f = new Float64Array(1);
  const bits = new BigInt64Array(f.buffer);
  const step = (x, by) => {
    f[0] = x;
    bits[0] += by;
    return f[0];
  };
  let x = us / 1e6;
  while (micros(x) < us) x = step(x, 1n);
  while (micros(step(x, -1n)) >= us) x = step(x, -1n);
  return x;
}

/**
 * The window of the last `spanMs` as the tokenlens page makes it (www/filters.js): it ends
 * 1 ms after the last request's ms (Date.parse of its ISO time, which drops the µs), and the
 * engine keeps [from, to) in µs (src/query.rs View::range_us).
 */
function windowOf(spanMs) {
  if (!(spanMs > 0) || span.maxUs === null) return null;
  const toMs = Math.floor(span.maxUs / 1000) + 1;
  return { fromUs: (toMs - spanMs) * 1000, toUs: toMs * 1000 };
}

function rangeFilter(win) {
  if (win === null) return 'TRUE';
  // The bounds cast from strings: a decimal literal would be a DECIMAL, not this double.
  return `timestamp >= '${secondsFrom(win.fromUs)}'::DOUBLE AND timestamp < '${secondsFrom(win.toUs)}'::DOUBLE`;
}

/**
 * tokenlens' automatic buckets (src/query.rs Buckets::auto_in, UTC) for first and last
 * timestamps `lo`, `hi` in µs: the smallest width giving at most 400 buckets; weeks start on
 * Monday (epoch day 0 is a Thursday).
 */
function bucketsOf(lo, hi) {
  const us = Math.max(hi - lo, 0);
  const width = WIDTHS.find((w) => Math.floor(us / (w * 1e6)) < 400) ?? WIDTHS[WIDTHS.length - 1];
  return { width, shift: width === 604800 ? 4 * 86400 : 0 };
}

async function rows(sql) {
  const table = await conn.query(sql);
  return table.toArray().map((r) => {
    const o = r.toJSON();
    for (const [k, v] of Object.entries(o)) if (v && typeof v.toArray === 'function') o[k] = Array.from(v.toArray());
    return o;
  });
}

/**
 * Every figure tokenlens' dashboard has, for all records or one model, in a time window or
 * not. As in tokenlens, a window has its own axis (the buckets of the window's part of the
 * data); without one the axis is the whole table's.
 */
async function dashboard(model, win) {
  const where = `${modelFilter(model)} AND ${rangeFilter(win)}`;
  let buckets = tableBuckets;
  if (win !== null && span.minUs !== null) {
    const lo = Math.max(win.fromUs, span.minUs);
    const hi = Math.min(win.toUs - 1, span.maxUs);
    // An empty window has no buckets in tokenlens; here the series is simply empty.
    if (lo <= hi) buckets = bucketsOf(lo, hi);
  }
  const summary = (await rows(`SELECT ${FIGURES} FROM requests WHERE ${where}`))[0];
  const errorTypes = await rows(`SELECT ${ERROR_TYPE} AS error_type, count(*) AS count
    FROM requests WHERE ${where} AND ${ERR} GROUP BY 1 ORDER BY 2 DESC, 1`);
  const byModel = await rows(`SELECT coalesce(model_name, '(none)') AS model, ${FIGURES}
    FROM requests WHERE ${where} GROUP BY 1 ORDER BY requests DESC, 1`);
  const byApplication = await rows(`SELECT coalesce(application, '(none)') AS application, ${FIGURES}
    FROM requests WHERE ${where} GROUP BY 1 ORDER BY requests DESC, 1`);
  const { width, shift } = buckets;
  const series = await rows(`SELECT floor((timestamp - ${shift}) / ${width})::BIGINT AS bucket,
      count(*) AS requests,
      count(*) FILTER (WHERE ${ERR}) AS errors,
      quantile_cont(latency_ms, [0.5, 0.95, 0.99]) AS pct,
      sum(prompt_tokens)::BIGINT AS input_tokens,
      sum(completion_tokens)::BIGINT AS output_tokens,
      sum(estimated_cost_usd) AS cost_usd
    FROM requests WHERE timestamp IS NOT NULL AND ${where} GROUP BY 1 ORDER BY 1`);
  const models = await rows(`SELECT DISTINCT coalesce(model_name, '(none)') AS v FROM requests ORDER BY 1`);
  const applications = await rows(`SELECT DISTINCT coalesce(application, '(none)') AS v FROM requests ORDER BY 1`);
  return {
    summary, errorTypes, byModel, byApplication, series, buckets,
    options: { models: models.map((r) => r.v), applications: applications.map((r) => r.v) },
  };
}

async function chooseBuckets() {
  const [r] = await rows('SELECT min(timestamp) AS lo, max(timestamp) AS hi FROM requests');
  span = r.lo == null ? { minUs: null, maxUs: null } : { minUs: micros(r.lo), maxUs: micros(r.hi) };
  tableBuckets = span.minUs === null ? bucketsOf(0, 0) : bucketsOf(span.minUs, span.maxUs);
}

function show(d, extra) {
  const s = d.summary;
  const [p50, p90, p95, p99] = s.pct || [];
  setData({
    requests: s.requests,
    errors: s.errors,
    p50Ms: p50 ?? '',
    p95Ms: p95 ?? '',
    p99Ms: p99 ?? '',
    outputTokens: s.output_tokens ?? '',
    buckets: d.series.length,
    bucketSecs: d.buckets.width,
    ...extra,
  });
  out.textContent = JSON.stringify({
    requests: s.requests, errors: s.errors, p50, p90, p95, p99, max: s.max_ms, mean: s.mean_ms,
    input_tokens: s.input_tokens, output_tokens: s.output_tokens, cost_usd: s.cost_usd,
    models: d.byModel.length, applications: d.byApplication.length, buckets: d.series.length,
    error_types: d.errorTypes,
  }, null, 1);
}

async function onFile(file) {
  setData({ state: 'loading', file: file.name });
  const t0 = performance.now();
  const ing = /\.csv$/i.test(file.name) ? await ingestCsv(file) : await ingest(file);
  const t1 = performance.now();
  await chooseBuckets();
  const d = await dashboard(null, null);
  const t2 = performance.now();
  modelSelect.replaceChildren(new Option('All models', ''), ...d.options.models.map((m) => new Option(m, m)));
  modelSelect.disabled = false;
  rangeSelect.value = '';
  rangeSelect.disabled = span.maxUs === null;
  show(d, {
    records: ing.records,
    skipped: ing.skipped,
    pieces: ing.pieces,
    prepMs: ing.prepMs.toFixed(1),
    ingestMs: (t1 - t0).toFixed(1),
    queriesMs: (t2 - t1).toFixed(1),
    loadMs: (t2 - t0).toFixed(1),
  });
  setData({ state: 'ready' });
}

async function onView() {
  setData({ state: 'loading' });
  const model = modelSelect.value;
  const range = rangeSelect.value;
  const t0 = performance.now();
  const d = await dashboard(model === '' ? null : model, windowOf(Number(range)));
  const t1 = performance.now();
  show(d, { model, range, reaggregateMs: (t1 - t0).toFixed(1) });
  setData({ state: 'ready' });
}

fileInput.addEventListener('change', () => {
  const file = fileInput.files && fileInput.files[0];
  if (file) onFile(file).catch(fail);
});
modelSelect.addEventListener('change', () => {
  onView().catch(fail);
});
rangeSelect.addEventListener('change', () => {
  onView().catch(fail);
});
start().catch(fail);
