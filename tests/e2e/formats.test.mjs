// Browser tests for the many-format import: several files in one import, the per-file
// import report, drill-down into CSV rows and into compressed files, exports without
// latency, and the field-mapping dialog with its saved mappings. Expected numbers come from
// the native CLI (`tokenlens summary FILE... [--map ...] --json`).
//
//   node --test tests/e2e/
//
// Needs what dashboard.test.mjs needs (see helpers.mjs). Writes screenshots to test-output/.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import {
  ROOT, OUT, cli, summaryJson, startHarness, openPage as openPageIn, state, errorText, waitReady, dropFile, dropFiles,
  kpis, kpiValue, assertKpisMatch, writeLines, lineAt, waitRequests, showRequests, requestRows, openRequest,
  detailText, detailFields, setUnmasked, assertLocalOnly,
} from './helpers.mjs';

const FORMATS = path.join(ROOT, 'tests', 'fixtures', 'formats');
const fixture = (name) => path.join(FORMATS, name);
const XSS = '<img src=x onerror=alert(1)>';
const EMAIL = 'jane.doe@example.com';
const TIMEOUT = 120_000;

/** The mapping custom_columns.csv needs, as the CLI's --map flags and as the dialog shows it. */
const CUSTOM_MAP = {
  ts: 'when',
  latency_s: 'how_long_s',
  model: 'engine',
  user_id: 'who',
  input_tokens: 'in_tok',
  output_tokens: 'out_tok',
  cost_usd: 'usd',
};

const PROFILE_TITLES = {
  langfuse: 'Langfuse traces and observations',
  helicone: 'Helicone requests',
  portkey: 'Portkey logs',
  article: "The article's log record (and plain logs)",
  openai_batch: 'OpenAI Batch output',
};

let harness;
let tmp;

const openPage = (opts) => openPageIn(harness, opts);

/** The rows of the import report's file table. */
async function reportFiles(page) {
  return page.$$eval('#import-files tbody tr', (trs) => trs.map((tr) => ({
    name: tr.children[0].textContent,
    format: tr.dataset.format,
    profile: tr.dataset.profile,
    readAs: tr.children[2].textContent,
    records: Number(tr.children[3].dataset.value),
    skipped: Number(tr.children[4].dataset.value),
    ignored: Number(tr.children[5].dataset.value),
    spanCoding: tr.dataset.spanCoding,
    note: tr.children[6].textContent,
  })));
}

async function waitMappingDialog(page) {
  await page.waitForFunction(() => document.getElementById('mapping').open, null, { timeout: 30_000, polling: 50 });
}

/** {canonical: chosen column} of the mapping dialog ('' for —). */
async function dialogMapping(page) {
  return Object.fromEntries(await page.$$eval('#mapping select[data-field]', (ss) => ss.map((s) => [s.dataset.field, s.value])));
}

function cliMapArgs(map) {
  return Object.entries(map).flatMap(([k, v]) => ['--map', `${k}=${v}`]);
}

/** A CSV field, quoted when it must be. */
function csvField(v) {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The columns of the drill-down test files, in order. */
const DRILL_COLUMNS = ['timestamp', 'request_id', 'application', 'model_name', 'latency_ms', 'status_code',
  'prompt_tokens', 'completion_tokens', 'input_prompt', 'llm_output', 'error_message'];

/** `n` records with distinct latencies (slowest = last) and text that is hard to cut well. */
function drillRecords(n) {
  return Array.from({ length: n }, (_, i) => ({
    timestamp: `2026-11-12T10:${String(i).padStart(2, '0')}:00.250Z`,
    request_id: `req-${i}`,
    application: 'gz-app',
    model_name: i % 2 ? 'gpt-4o' : 'gpt-4o-mini',
    latency_ms: 100 + i * 10,
    status_code: i % 7 === 3 ? 500 : 200,
    prompt_tokens: 50 + i,
    completion_tokens: 10 + i,
    input_prompt: `Frage ${i}: naïve café, 日本語 — "quoted", a comma, and a tab\there`,
    llm_output: `Antwort ${i}:\nline two ✓ ${'xy'.repeat(i * 7)}`,
    error_message: i % 7 === 3 ? `upstream error ${i}` : '',
  }));
}

/** The bytes of `rec`'s JSON line, its newline excluded. */
function lineLength(rec) {
  return Buffer.byteLength(JSON.stringify(rec));
}

/** What the drawer shows: its state, long texts and field table. */
async function drawerContent(page) {
  return {
    state: await page.$eval('#detail', (d) => d.dataset.state),
    texts: Object.fromEntries(await page.$$eval('#detail .detail-text', (ss) => ss.map((x) => [x.dataset.field, x.querySelector('pre').textContent]))),
    fields: await detailFields(page),
  };
}

/**
 * Drops `file` on a new page, checks its report row says `coding`, and opens the drawer of
 * the requests `pick(n)` picks of the n listed slowest first (by default the two slowest,
 * the 21st and the fastest): [{row, drawer, where}].
 */
async function drillDown(file, coding, pick = (n) => [0, 1, 20, n - 1]) {
  const { page, problems } = await openPage();
  await dropFile(page, file);
  await waitReady(page);
  const [report] = await reportFiles(page);
  assert.equal(report.spanCoding, coding, `${file}: span coding`);
  if (coding === 'gzip') assert.match(report.note, /compressed: drill-down decompresses up to the request/);
  assert.doesNotMatch(await page.textContent('#import-notes'), /figures only/);
  await waitRequests(page, 'slowest');
  const rows = await requestRows(page);
  const out = [];
  for (const index of pick(rows.length)) {
    await openRequest(page, index);
    out.push({ row: rows[index], drawer: await drawerContent(page), where: await page.textContent('#detail .detail-where') });
    assert.equal(out.at(-1).drawer.state, 'ready', `${file}, row ${index}: ${await page.textContent('#detail-body')}`);
    if (index === 0) await page.screenshot({ path: path.join(OUT, `formats-drill-${path.basename(file)}.png`) });
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => !document.getElementById('detail').open);
  }
  assert.deepEqual(problems.pageErrors, []);
  await page.close();
  return out;
}

describe('tokenlens: many formats in Chromium', { timeout: 15 * 60_000 }, () => {
  before(async () => {
    harness = await startHarness();
    ({ tmp } = harness);
  });

  after(async () => {
    if (harness) await harness.close();
  });

  test('(a) Langfuse + Helicone + Portkey dropped together: the CLI figures of the three, a report per file', { timeout: TIMEOUT }, async () => {
    const files = ['langfuse_observations.json', 'helicone.jsonl', 'portkey.csv'].map(fixture);
    const s = summaryJson(...files);
    assert.equal(s.import.files.length, 3);
    const { page, problems } = await openPage();
    await dropFiles(page, files);
    await waitReady(page);

    // Every KPI (requests, error rate, latency and TTFT percentiles, tokens, cost,
    // throughput) equals the CLI's.
    const cards = await kpis(page);
    assertKpisMatch(cards, s);
    assert.equal(Number(await kpiValue(page, 'requests')), s.requests);
    assert.equal(await page.textContent('[data-kpi="requests"] .kpi-sub'), `${s.errors} errors`);
    assert.equal(Number(await kpiValue(page, 'p50_ms')), s.latency_ms.p50);
    assert.equal(Number(await kpiValue(page, 'p95_ms')), s.latency_ms.p95);
    assert.equal(Number(await kpiValue(page, 'input_tokens')), s.input_tokens);
    assert.equal(Number(await kpiValue(page, 'output_tokens')), s.output_tokens);
    assert.ok(Math.abs(Number(await kpiValue(page, 'cost_usd')) - s.cost_usd) <= 1e-9 * s.cost_usd);
    // TTFT exists here: its cards show; cached and reasoning tokens are named.
    assert.equal(await page.isVisible('[data-kpi="ttft_p50"]'), true, 'TTFT p50 card shown');
    assert.equal(Number(await kpiValue(page, 'ttft_p95')), s.ttft_ms.p95);
    assert.ok(s.cached_input_tokens > 0 && s.reasoning_tokens > 0, 'the fixtures have cached and reasoning tokens');
    assert.match(await page.textContent('[data-kpi="input_tokens"] .kpi-sub'), /cached/);
    assert.match(await page.textContent('[data-kpi="output_tokens"] .kpi-sub'), /reasoning/);

    // The report lists each file: format, profile, records, skipped, left out.
    const rows = await reportFiles(page);
    assert.deepEqual(rows.map((r) => r.name), s.import.files.map((f) => path.basename(f.name)));
    for (const [i, f] of s.import.files.entries()) {
      const r = rows[i];
      assert.equal(r.format, f.format, `${f.name}: format`);
      assert.equal(r.profile, f.profile, `${f.name}: profile`);
      assert.equal(r.readAs, PROFILE_TITLES[f.profile], `${f.name}: read as`);
      assert.equal(r.records, f.records, `${f.name}: records`);
      assert.equal(r.skipped, f.skipped, `${f.name}: skipped`);
      assert.equal(r.ignored, f.ignored, `${f.name}: left out`);
    }
    assert.deepEqual(rows.map((r) => r.format), ['json', 'jsonl', 'csv']);
    assert.deepEqual(rows.map((r) => r.profile), ['langfuse', 'helicone', 'portkey']);
    const report = await page.textContent('#import-report');
    assert.match(report, /from 3 files/);
    assert.match(report, new RegExp(`${s.ignored_records} left out`));
    assert.match(report, /Times without a time zone are read as UTC\./);
    assert.match(await page.textContent('#file-name'), /3 files/);
    await page.screenshot({ path: path.join(OUT, 'formats-three-files.png'), fullPage: true });

    // Drill-down reads each record from its own file: a Portkey CSV row, field by field.
    await showRequests(page, 'latest');
    const list = await requestRows(page);
    assert.deepEqual([...new Set(list.map((r) => r.file))].sort(), [0, 1, 2], 'rows of every file');
    const csvRow = list.find((r) => r.file === 2);
    await openRequest(page, csvRow.index);
    assert.equal(await page.$eval('#detail', (d) => d.dataset.state), 'ready');
    const header = fs.readFileSync(fixture('portkey.csv'), 'utf8').split('\n')[0].split(',');
    const fields = await detailFields(page);
    assert.deepEqual(Object.keys(fields), header, 'every column of the row, in header order');
    const line = lineAt(fixture('portkey.csv'), csvRow.offset, csvRow.len);
    assert.ok(line.startsWith(fields.id), `the row read back is the one listed: ${line}`);
    assert.match(fields.metadata, /"app": "/, 'a JSON cell is shown as JSON');
    await page.keyboard.press('Escape');

    // A Helicone JSON line, and a Langfuse element of a JSON document.
    for (const file of [0, 1]) {
      const r = list.find((x) => x.file === file);
      await openRequest(page, r.index);
      assert.equal(await page.$eval('#detail', (d) => d.dataset.state), 'ready', `record of file ${file}`);
      const text = lineAt(files[file], r.offset, r.len);
      const rec = JSON.parse(text);
      const shown = await detailFields(page);
      const id = file === 0 ? 'id' : 'request_id';
      assert.equal(shown[id], rec[id], `${id} of the record at byte ${r.offset} of file ${file}`);
      await page.keyboard.press('Escape');
      await page.waitForFunction(() => !document.getElementById('detail').open);
    }
    assert.deepEqual(problems.pageErrors, []);
    await page.close();
  });

  test('(b) gzip files (one member and several) drill down to the same text as their uncompressed copies', { timeout: 2 * TIMEOUT }, async () => {
    const records = drillRecords(40);
    const jsonl = writeLines(tmp, 'drill.jsonl', records.map((r) => JSON.stringify({ ...r, error_message: r.error_message || null })));
    const csv = writeLines(tmp, 'drill.csv', [
      DRILL_COLUMNS.join(','),
      ...records.map((r) => DRILL_COLUMNS.map((c) => csvField(r[c])).join(',')),
    ]);
    for (const plain of [jsonl, csv]) {
      const bytes = fs.readFileSync(plain);
      // Three members cut mid-line, the second cut inside a multi-byte character.
      const cut1 = Math.floor(bytes.length / 3);
      const cut2 = bytes.indexOf('日本語', Math.floor(bytes.length * 2 / 3)) + 1;
      const one = `${plain}.gz`;
      const three = `${plain.replace(/(\.\w+)$/, '-3$1')}.gz`;
      fs.writeFileSync(one, zlib.gzipSync(bytes));
      fs.writeFileSync(three, Buffer.concat([bytes.subarray(0, cut1), bytes.subarray(cut1, cut2), bytes.subarray(cut2)].map((b) => zlib.gzipSync(b))));

      const want = await drillDown(plain, 'plain');
      for (const gz of [one, three]) {
        const got = await drillDown(gz, 'gzip');
        assert.deepEqual(got.map((d) => d.row.offset), want.map((d) => d.row.offset), `${path.basename(gz)}: the same spans`);
        assert.deepEqual(got.map((d) => d.drawer), want.map((d) => d.drawer), `${path.basename(gz)}: the same drawer`);
        for (const d of got) assert.match(d.where, new RegExp(`at byte [\\d,]+ \\(.*\\) of ${path.basename(gz)}, decompressed$`));
        if (gz === three) assert.ok(got.some((d) => d.row.offset >= cut2), 'a record of the third member is read');
      }
      // The exact text of the records, from the records written.
      for (const d of want) {
        const rec = records[Number(d.drawer.fields.request_id.slice(4))];
        assert.equal(d.drawer.texts.input_prompt, rec.input_prompt);
        assert.equal(d.drawer.texts.llm_output, rec.llm_output);
        assert.equal(d.drawer.texts.error_message, rec.error_message || undefined);
      }
    }
  });

  test('(b2) a late record of a large gzip file: the drawer waits for it, and a read overtaken by another opening is dropped', { timeout: 2 * TIMEOUT }, async () => {
    const filler = (i) => JSON.stringify({
      timestamp: `2026-11-12T11:00:${String(i % 60).padStart(2, '0')}.000Z`, request_id: `fill-${i}`, application: 'gz-app',
      model_name: 'gpt-4o-mini', latency_ms: 100, status_code: 200, prompt_tokens: 10, completion_tokens: 5,
      input_prompt: `filler prompt ${i}`, llm_output: `filler output ${i}`,
    });
    const early = { ...JSON.parse(filler(0)), request_id: 'early', latency_ms: 90_000, input_prompt: 'the first record' };
    const late = { ...JSON.parse(filler(0)), request_id: 'late', latency_ms: 99_000, input_prompt: 'the last record' };
    const lines = [JSON.stringify(early)];
    for (let i = 1; i < 150_000; i++) lines.push(filler(i));
    lines.push(JSON.stringify(late));
    const text = Buffer.from(lines.map((l) => `${l}\n`).join(''));
    // Two members: the late record is past the first, so the wasm decoder reads it.
    const half = Math.floor(text.length / 2);
    const file = path.join(tmp, 'large.jsonl.gz');
    fs.writeFileSync(file, Buffer.concat([zlib.gzipSync(text.subarray(0, half)), zlib.gzipSync(text.subarray(half))]));
    assert.ok(fs.statSync(file).size > 400_000, `${fs.statSync(file).size} bytes: big enough to be slow when slowed`);

    const { page, problems } = await openPage();
    await dropFile(page, file);
    await waitReady(page);
    await waitRequests(page, 'slowest');
    const rows = await requestRows(page);
    assert.deepEqual([rows[0].latency, rows[1].latency], [99_000, 90_000]);
    assert.equal(rows[0].offset, text.length - lineLength(late) - 1);

    // Every read of a file slowed down (32 KiB per 40 ms: the late record then takes about
    // 3 s), so the late read is still running when the drawer is closed and the first
    // record opened: the late one must not land on it, then or later.
    await page.evaluate(() => {
      const stream = Blob.prototype.stream;
      window.unslow = () => { Blob.prototype.stream = stream; };
      Blob.prototype.stream = function slow() {
        const reader = stream.call(this).getReader();
        let left = new Uint8Array(0);
        return new ReadableStream({
          async pull(c) {
            await new Promise((r) => { setTimeout(r, 40); });
            if (left.length === 0) {
              const { value, done } = await reader.read();
              if (done) return c.close();
              left = value;
            }
            c.enqueue(left.slice(0, 32768));
            left = left.subarray(32768);
            return undefined;
          },
          cancel: (why) => reader.cancel(why),
        });
      };
    });
    await page.click('#requests-table tbody tr[data-index="0"] td:nth-child(2)');
    await page.waitForTimeout(300);
    assert.equal(await page.$eval('#detail', (d) => d.dataset.state), 'loading');
    assert.match(await page.textContent('#detail-body'), /Decompressing the file up to the record/);
    await page.screenshot({ path: path.join(OUT, 'formats-gzip-loading.png') });
    await page.keyboard.press('Escape');
    await openRequest(page, 1);
    assert.equal(await detailText(page, 'input_prompt'), 'the first record');
    await page.waitForTimeout(6000);
    assert.equal(await page.$eval('#detail', (d) => d.dataset.state), 'ready');
    assert.equal(await detailText(page, 'input_prompt'), 'the first record', 'still the first record');
    await page.keyboard.press('Escape');
    await page.evaluate(() => window.unslow());

    // The page thread keeps answering meanwhile: no long task (it was one of the whole read).
    await page.evaluate(() => {
      window.longTasks = [];
      window.longTaskObserver = new PerformanceObserver((l) => { window.longTasks.push(...l.getEntries().map((e) => e.duration)); });
      window.longTaskObserver.observe({ type: 'longtask' });
    });
    const t0 = Date.now();
    await openRequest(page, 0);
    const ms = Date.now() - t0;
    const longest = await page.evaluate(() => Math.max(0, ...window.longTasks));
    assert.ok(longest < 100, `the longest task while reading was ${longest} ms`);
    assert.equal(await page.$eval('#detail', (d) => d.dataset.state), 'ready');
    assert.equal(await detailText(page, 'input_prompt'), 'the last record');
    assert.equal((await detailFields(page)).request_id, 'late');
    console.log(`# the last record of ${(text.length / 1e6).toFixed(1)} MB of JSONL (${(fs.statSync(file).size / 1e6).toFixed(2)} MB gzip, 2 members) read back in ${ms} ms, longest task ${Math.round(longest)} ms`);
    await page.screenshot({ path: path.join(OUT, 'formats-gzip-drilldown.png') });
    assert.deepEqual(problems.pageErrors, []);
    await page.close();
  });

  test('(b3) Parquet and Arrow rows drill down to the text of the CSV they were made from; a gzipped Parquet record shows its figures', { timeout: 3 * TIMEOUT }, async () => {
    // article.parquet holds article.csv's records (tests/fixtures/formats/make_binary.py),
    // with nulls for the CSV's empty fields, in one row group (several: tests/columnar.rs).
    const every = (n) => [...new Array(n).keys()];
    const want = await drillDown(fixture('article.csv'), 'plain', every);
    const got = await drillDown(fixture('article.parquet'), 'parquet', every);
    assert.ok(got.length >= 10, `${got.length} rows opened`); // The slowest list leaves out a row without latency.
    const ids = (ds) => ds.map((d) => d.drawer.fields.request_id).sort();
    assert.deepEqual(ids(got), ids(want), 'the same requests');
    for (const d of got) {
      const id = d.drawer.fields.request_id;
      const w = want.find((x) => x.drawer.fields.request_id === id);
      assert.deepEqual(d.drawer.texts, w.drawer.texts, `${id}: the same prompt, output and error`);
      assert.match(d.where, new RegExp(`^Row ${d.row.offset + 1} \\(row group 0\\) of article\\.parquet$`));
      assert.equal(d.row.len, 1);
    }
    // The exact text of one request, from the CSV file itself.
    const csvText = fs.readFileSync(fixture('article.csv'), 'utf8');
    const req = got.find((d) => d.drawer.fields.request_id === 'req-1002');
    assert.ok(req, 'req-1002 is among the rows opened');
    assert.equal(req.drawer.texts.input_prompt, 'Where is my order #4411? It says "delivered", but it isn\'t.');
    assert.ok(csvText.includes('"Where is my order #4411? It says ""delivered"", but it isn\'t."'));
    assert.equal(req.drawer.texts.llm_output, "Sorry about that!\nI've opened a claim with the carrier, ref C-8812.");

    // Arrow IPC, file and stream: each record from its batch's message.
    for (const name of ['article.arrow', 'article.arrows']) {
      const arrow = await drillDown(fixture(name), 'arrow', every);
      assert.deepEqual(ids(arrow), ids(got), `${name}: the same requests`);
      for (const d of arrow) {
        const id = d.drawer.fields.request_id;
        const w = want.find((x) => x.drawer.fields.request_id === id);
        assert.deepEqual(d.drawer.texts, w.drawer.texts, `${name} ${id}: the same prompt, output and error`);
        assert.equal(d.where, `Row ${d.row.len + 1} of the record batch at byte ${d.row.offset.toLocaleString('en-US')} of ${name}`);
      }
    }

    // gzip around Parquet: no span.
    const gz = path.join(tmp, 'article.parquet.gz');
    fs.writeFileSync(gz, zlib.gzipSync(fs.readFileSync(fixture('article.parquet'))));
    const { page, problems } = await openPage();
    await dropFile(page, gz);
    await waitReady(page);
    const [row] = await reportFiles(page);
    assert.equal(row.spanCoding, 'none');
    assert.match(row.note, /figures only/);
    assert.match(await page.textContent('#import-notes'), /Some files \(compressed Parquet or Arrow, Arrow with dictionary-encoded columns\) have no text to read back/);
    await waitRequests(page, 'slowest');
    const [first] = await requestRows(page);
    assert.equal(first.len, 0, 'no span into a compressed Parquet file');
    await openRequest(page, 0);
    assert.equal(await page.$eval('#detail', (d) => d.dataset.state), 'figures');
    assert.match(await page.textContent('#detail-body'), /cannot be read back \(it is compressed Parquet/);
    assert.equal(await page.$('#detail .detail-fields'), null, 'no field table');
    const figures = await page.$$eval('#detail .detail-figure', (els) => Object.fromEntries(els.map((e) => [
      e.querySelector('.detail-figure-label').textContent, e.querySelector('.detail-figure-value').textContent,
    ])));
    assert.equal(figures['Tokens in'], first.inputTokens.toLocaleString('en-US'));
    assert.deepEqual(problems.pageErrors, []);
    await page.close();
  });

  test('(c) a CSV row drills down field by field, as text; quotes and newlines survive; PII masked', { timeout: TIMEOUT }, async () => {
    const columns = ['timestamp', 'request_id', 'user_id', 'application', 'model_name', 'latency_ms', 'status_code',
      'prompt_tokens', 'completion_tokens', 'estimated_cost_usd', 'input_prompt', 'llm_output', 'error_message'];
    const rec = (i, patch = {}) => ({
      timestamp: `2026-11-12T10:${String(i).padStart(2, '0')}:00.250Z`,
      request_id: `req-${i}`,
      user_id: `user-${i}`,
      application: 'csv-app',
      model_name: i % 2 ? 'gpt-4o' : 'gpt-4o-mini',
      latency_ms: 400 + i * 10,
      status_code: 200,
      prompt_tokens: 100 + i,
      completion_tokens: 20 + i,
      estimated_cost_usd: 0.001 * i,
      input_prompt: `question ${i}`,
      llm_output: `answer ${i}`,
      error_message: '',
      ...patch,
    });
    const records = [];
    for (let i = 1; i <= 12; i++) records.push(rec(i));
    records.push(rec(40, { latency_ms: 9001, input_prompt: XSS, llm_output: '<script>alert(2)</script>', error_message: '<b id="injected">x</b>', status_code: 500 }));
    const quoted = 'She said "no", then:\nline two, with a comma\r\nand "quotes" again';
    records.push(rec(41, { latency_ms: 9000, llm_output: quoted, user_id: EMAIL }));
    const file = writeLines(tmp, 'drilldown.csv', [
      columns.join(','),
      ...records.map((r) => columns.map((c) => csvField(r[c])).join(',')),
    ]);
    const s = summaryJson(file);
    assert.equal(s.requests, records.length, 'the CLI reads every row');

    const { page, problems } = await openPage();
    const imgsBefore = await page.$$eval('img', (els) => els.length);
    await dropFile(page, file);
    await waitReady(page);
    assertKpisMatch(await kpis(page), s);
    await waitRequests(page, 'slowest');
    const rows = await requestRows(page);
    assert.deepEqual(rows.slice(0, 2).map((r) => r.latency), [9001, 9000]);

    // Markup in cells stays text.
    await openRequest(page, 0);
    assert.equal(await page.$eval('#detail', (d) => d.dataset.state), 'ready');
    assert.equal(await detailText(page, 'input_prompt'), XSS);
    assert.equal(await detailText(page, 'llm_output'), '<script>alert(2)</script>');
    assert.equal(await detailText(page, 'error_message'), '<b id="injected">x</b>');
    const fields = await detailFields(page);
    assert.equal(fields.request_id, 'req-40');
    assert.equal(fields.status_code, '500');
    assert.deepEqual(Object.keys(fields), columns.filter((c) => !['input_prompt', 'llm_output', 'error_message'].includes(c)));
    await setUnmasked(page, true);
    assert.equal(await detailText(page, 'input_prompt'), XSS);
    assert.equal(await page.$$eval('img', (els) => els.length), imgsBefore, 'no img element created');
    assert.equal(await page.$('#injected'), null, 'no b element created');
    assert.equal(await page.$$eval('#detail script', (els) => els.length), 0);
    await page.keyboard.press('Escape');

    // Doubled quotes, commas and newlines inside a quoted field; the email masked by default.
    await openRequest(page, 1);
    assert.equal((await detailFields(page)).user_id, '[email]');
    assert.ok(!(await page.textContent('#detail')).includes(EMAIL), 'the address appears nowhere in the drawer');
    await setUnmasked(page, true);
    assert.equal(await detailText(page, 'llm_output'), quoted);
    assert.equal((await detailFields(page)).user_id, EMAIL);
    assert.match(await page.textContent('#detail .detail-where'), /^Row at byte/);
    await page.screenshot({ path: path.join(OUT, 'formats-csv-drilldown.png') });
    await page.keyboard.press('Escape');

    await page.waitForTimeout(200);
    assert.deepEqual(problems.dialogs, [], 'no script ran');
    assert.deepEqual(problems.pageErrors, []);
    await page.close();
  });

  test('(d) the mapping dialog: a proposal from the column names, Apply gives the CLI figures, the mapping is remembered', { timeout: 2 * TIMEOUT }, async () => {
    const file = fixture('custom_columns.csv');
    const unmapped = summaryJson(file);
    assert.equal(unmapped.requests, 0, 'the engine alone reads no record of it');
    const s = summaryJson(file, ...cliMapArgs(CUSTOM_MAP));
    assert.ok(s.requests > 0);

    const { page, problems } = await openPage();
    await dropFile(page, file);
    await waitMappingDialog(page);
    assert.match(await page.textContent('#mapping-reason'), /No record of custom_columns\.csv could be read/);
    const proposed = await dialogMapping(page);
    const want = Object.fromEntries(Object.keys(proposed).map((k) => [k, CUSTOM_MAP[k] || '']));
    assert.deepEqual(proposed, want, 'the proposal maps every column it can');
    assert.equal(await page.$eval('#mapping-format', (s) => s.value), '', 'Read as: auto-detect');
    const columnChoices = await page.$$eval('#mapping select[data-field="ts"] option', (os) => os.map((o) => o.value));
    assert.deepEqual(columnChoices, ['', 'when', 'how_long_s', 'engine', 'who', 'in_tok', 'out_tok', 'usd', 'note']);
    await page.screenshot({ path: path.join(OUT, 'formats-mapping-dialog.png') });

    // A wrong option is refused with the engine's reason, in the dialog.
    await page.evaluate(() => {
      const sel = document.getElementById('mapping-format');
      sel.append(new Option('bogus', 'bogus'));
      sel.value = 'bogus';
    });
    await page.click('#mapping-apply');
    await page.waitForFunction(() => !document.getElementById('mapping-error').hidden, null, { timeout: 30_000 });
    assert.match(await page.textContent('#mapping-error'), /bogus.*not a known export/);
    assert.equal(await page.evaluate(() => document.getElementById('mapping').open), true, 'the dialog stays open');
    await page.selectOption('#mapping-format', '');

    await page.click('#mapping-apply');
    // The dialog closes once the engine accepted the options and the import has started.
    await page.waitForFunction(() => !document.getElementById('mapping').open, null, { timeout: 30_000 });
    await waitReady(page);
    assert.equal(await page.evaluate(() => document.getElementById('mapping').open), false);
    assertKpisMatch(await kpis(page), s);
    assert.equal(Number(await kpiValue(page, 'requests')), s.requests);
    assert.equal(await page.isVisible('#import-mapping'), true);
    assert.match(await page.textContent('#import-mapping'), /when → ts/);

    // Next time (a new page load) the same header is read with the saved mapping at once.
    await page.reload();
    await page.waitForFunction(() => window.tokenlensDebug !== undefined);
    await dropFile(page, file);
    await waitReady(page);
    assertKpisMatch(await kpis(page), s);
    assert.equal(await page.evaluate(() => document.getElementById('mapping').open), false, 'no dialog this time');
    assert.match(await page.textContent('#import-mapping'), /Using your saved mapping/);
    assert.equal(await page.isVisible('#import-mapping-change'), true);
    await page.locator('#import-report').screenshot({ path: path.join(OUT, 'formats-saved-mapping.png') });

    // "change" opens the dialog with the mapping in use.
    await page.click('#import-mapping-change');
    await waitMappingDialog(page);
    assert.deepEqual(await dialogMapping(page), proposed);
    await page.click('#mapping-cancel');
    await page.waitForFunction(() => !document.getElementById('mapping').open);
    assert.deepEqual(problems.pageErrors, []);
    await page.close();
  });

  test('(e) an export without latency says so: — in the KPIs, a note, no latency plot', { timeout: TIMEOUT }, async () => {
    const file = fixture('openai_batch.jsonl');
    const s = summaryJson(file);
    assert.equal(s.import.has_latency, false);
    const { page, problems } = await openPage();
    await dropFile(page, file);
    await waitReady(page);
    assertKpisMatch(await kpis(page), s);
    for (const k of ['p50_ms', 'p95_ms', 'p99_ms']) {
      assert.equal(await page.textContent(`[data-kpi="${k}"] .kpi-value`), '—', k);
    }
    assert.equal(await page.isVisible('#latency-note'), true);
    assert.match(await page.textContent('#latency-note'), /this export carries no latency/i);
    assert.equal(await page.isVisible('canvas[data-chart="latency"]'), false, 'no latency plot');
    assert.equal(await page.isVisible('#latency-empty'), true);
    assert.match(await page.textContent('#latency-empty'), /carries no latency/);
    assert.equal(await page.isVisible('[data-kpi="ttft_p50"]'), false, 'no TTFT card without TTFT');
    assert.match(await page.textContent('[data-kpi="input_tokens"] .kpi-sub'), /1,792 cached/);
    assert.match(await page.textContent('[data-kpi="output_tokens"] .kpi-sub'), /1,920 reasoning/);
    // The list starts with the latest requests (none would be "slowest").
    await waitRequests(page, 'latest');
    assert.equal((await requestRows(page)).length, s.requests);
    const [row] = await reportFiles(page);
    assert.equal(row.profile, 'openai_batch');
    assert.equal(row.readAs, PROFILE_TITLES.openai_batch);
    await page.screenshot({ path: path.join(OUT, 'formats-no-latency.png'), fullPage: true });

    // Another file with latency: the chart comes back.
    await dropFile(page, fixture('helicone.jsonl'));
    await waitReady(page);
    assert.equal(await page.isVisible('canvas[data-chart="latency"]'), true);
    assert.equal(await page.isVisible('#latency-note'), false);
    assert.deepEqual(problems.pageErrors, []);
    await page.close();
  });

  test('(h) several big files: progress across files, and cancel stops the import', { timeout: TIMEOUT }, async () => {
    const big = path.join(tmp, 'traffic.jsonl');
    cli('generate', '--records', '20000', '--seed', '3', '--out', big);
    const { page, problems } = await openPage();
    await dropFiles(page, [{ path: big, name: 'one.jsonl', repeat: 12 }, { path: big, name: 'two.jsonl', repeat: 12 }]);
    await page.waitForFunction(() => document.body.dataset.state !== 'loading'
      || /^File \d of 2: /.test(document.getElementById('progress-file').textContent), null, { timeout: 30_000, polling: 20 });
    assert.equal(await state(page), 'loading', 'still loading when cancel is pressed');
    assert.match(await page.textContent('#loading-name'), /2 files/);
    assert.match(await page.textContent('#progress-text'), /of .* · [\d,]+ records/);
    await page.click('#cancel-button');
    await page.waitForFunction(() => document.body.dataset.state !== 'loading', null, { timeout: 10_000 });
    assert.equal(await state(page), 'empty', `state after cancel: ${await errorText(page)}`);

    // The next import starts from nothing.
    await dropFile(page, fixture('helicone.jsonl'));
    await waitReady(page);
    assert.equal(Number(await kpiValue(page, 'requests')), summaryJson(fixture('helicone.jsonl')).requests);
    assert.deepEqual(problems.pageErrors, []);
    await page.close();
  });

  test('(i) big JSON Lines and CSV files are read by two workers: the CLI figures, line numbers and drill-down in the second part', { timeout: 3 * TIMEOUT }, async () => {
    // About 19 MB of JSONL and 12 MB of CSV (the page cuts files of 8 MiB or more when it
    // has two cores): bad lines on both sides of the cut, the slowest record near the end.
    // The CSV's outputs hold newlines, so many of its line starts are inside a record.
    const gen = path.join(tmp, 'gen-parts.jsonl');
    cli('generate', '--records', '40000', '--seed', '11', '--out', gen);
    const records = fs.readFileSync(gen, 'utf8').split('\n').filter((l) => l).map((l) => JSON.parse(l));
    records[38_000] = { ...records[38_000], request_id: 'slowest', latency_ms: 987_654, input_prompt: 'the slowest, in the second part' };
    const jsonl = records.map((r) => JSON.stringify(r));
    const csvColumns = Object.keys(records[0]);
    const csv = records.map((r) => csvColumns.map((c) => csvField(r[c])).join(','));
    assert.ok(csv.filter((l) => /\n/.test(l)).length > 1000, 'CSV rows with newlines inside');
    for (const at of [100, 25_000, 30_000, 39_990]) {
      jsonl.splice(at, 0, '{"timestamp": "2026-11-12T10:00:00Z", "latency_ms": "fast"');
      csv.splice(at, 0, '2026-11-12T10:00:00Z,only,three');
    }
    csv.unshift(csvColumns.join(','));
    const cores = await (async () => {
      const { page } = await openPage();
      const n = await page.evaluate(() => navigator.hardwareConcurrency);
      await page.close();
      return n;
    })();
    for (const [name, lines] of [['parts.jsonl', jsonl], ['parts.csv', csv]]) {
      const file = writeLines(tmp, name, lines);
      const text = fs.readFileSync(file);
      assert.ok(text.length > 9 << 20, `${name}: ${text.length} bytes, more than the 8 MiB the page cuts`);
      const s = summaryJson(file, '--threads', '1');
      assert.equal(s.skipped_lines, 4, name);

      const { page, problems } = await openPage();
      const before = harness.requests.length;
      await dropFile(page, file);
      await waitReady(page);
      if (cores >= 2) {
        assert.ok(harness.requests.slice(before).some((u) => u.endsWith('/part-worker.js')), `${name}: a helper read a part`);
      } else {
        console.log(`# one core (navigator.hardwareConcurrency = ${cores}): ${name} was read by one worker`);
      }
      assertKpisMatch(await kpis(page), s);
      assert.equal(Number(await kpiValue(page, 'requests')), s.requests, name);
      assert.equal(Number(await kpiValue(page, 'p99_ms')), s.latency_ms.p99, name);
      const [f] = await reportFiles(page);
      assert.deepEqual([f.records, f.skipped, f.profile], [s.import.files[0].records, s.import.files[0].skipped, s.import.files[0].profile], name);
      // Each bad line by its number and byte offset in the whole file.
      const errors = await page.$$eval('#import-errors tbody tr', (trs) => trs.map((tr) => [...tr.children].slice(0, 3).map((td) => td.textContent)));
      assert.deepEqual(errors, s.import.errors.map((e) => [e.line.toLocaleString('en-US'), e.byte_offset.toLocaleString('en-US'), e.reason]), name);
      // The slowest record, read back from its byte span in the second part.
      await waitRequests(page, 'slowest');
      const [row] = await requestRows(page);
      assert.equal(row.latency, 987_654, name);
      const at = lines.findIndex((l) => l.includes('"slowest"') || l.includes(',slowest,'));
      assert.equal(row.offset, lines.slice(0, at).reduce((n, l) => n + Buffer.byteLength(l) + 1, 0), name);
      assert.match(text.subarray(row.offset, row.offset + row.len).toString('utf8'), /slowest/, name);
      await openRequest(page, 0);
      assert.equal(await detailText(page, 'input_prompt'), 'the slowest, in the second part', name);
      await page.keyboard.press('Escape');
      assert.deepEqual(problems.pageErrors, [], name);
      await page.close();
    }

    // A helper that fails (here its engine panics after handing over its first piece of
    // rows) costs time, not records: its whole part is read by the engine's worker instead.
    // 160,000 records, so that a part has more than one piece (65,536 rows).
    const piece = path.join(tmp, 'piece.jsonl');
    cli('generate', '--records', '20000', '--seed', '12', '--out', piece);
    const eight = path.join(tmp, 'eight.jsonl');
    fs.writeFileSync(eight, Buffer.concat(Array(8).fill(fs.readFileSync(piece))));
    const s8 = summaryJson(eight, '--threads', '1');
    const again = await openPage();
    const warnings = [];
    for (const w of again.page.workers()) w.on('console', (m) => warnings.push(m.text()));
    await again.page.evaluate(() => window.tokenlensDebug.failHelpers());
    await dropFile(again.page, piece, 'eight.jsonl', 8);
    await waitReady(again.page);
    if (cores >= 2) assert.ok(warnings.some((t) => /a part of eight\.jsonl is read again here/.test(t)), `warnings: ${warnings.join('\n')}`);
    assertKpisMatch(await kpis(again.page), s8);
    assert.equal(Number(await kpiValue(again.page, 'requests')), s8.requests);
    assert.deepEqual(again.problems.pageErrors, []);
    await again.page.close();
  });

  test('(j) an OpenTelemetry span drills down to itself, not the whole document it came in', { timeout: TIMEOUT }, async () => {
    // Each line of otlp_lines.jsonl holds several spans; every request's drawer must show
    // its own: the one with its start time and duration, its attributes by key.
    const spans = [];
    for (const line of fs.readFileSync(fixture('otlp_lines.jsonl'), 'utf8').split('\n').filter((l) => l)) {
      for (const rs of JSON.parse(line).resourceSpans) {
        const service = rs.resource.attributes.find((a) => a.key === 'service.name').value.stringValue;
        for (const ss of rs.scopeSpans) for (const sp of ss.spans) spans.push({ sp, service });
      }
    }
    const { page, problems } = await openPage();
    await dropFile(page, fixture('otlp_lines.jsonl'));
    await waitReady(page);
    await waitRequests(page, 'slowest');
    const rows = await requestRows(page);
    assert.ok(rows.length >= 8, `${rows.length} requests`);
    for (const index of [0, 1, rows.length - 1]) {
      await openRequest(page, index);
      const fields = await detailFields(page);
      const ms = (ns) => Number(BigInt(ns) / 1000n) / 1000;
      const want = spans.find(({ sp }) => Math.abs(ms(sp.endTimeUnixNano) - ms(sp.startTimeUnixNano) - rows[index].latency) < 0.001);
      assert.ok(want, `a span of ${rows[index].latency} ms`);
      assert.equal(fields.spanId, want.sp.spanId, `row ${index}`);
      assert.equal(fields.name, want.sp.name, `row ${index}`);
      assert.equal(fields['resource.service.name'], want.service, `row ${index}`);
      const model = want.sp.attributes.find((a) => a.key === 'gen_ai.request.model').value.stringValue;
      assert.equal(fields['gen_ai.request.model'], model, `row ${index}`);
      assert.equal(fields.resourceSpans, undefined, 'not the whole document');
      assert.match(await page.textContent('#detail .detail-fields caption'), /The request's span in the line/);
      if (index === 0) await page.screenshot({ path: path.join(OUT, 'formats-otlp-span.png') });
      await page.keyboard.press('Escape');
      await page.waitForFunction(() => !document.getElementById('detail').open);
    }
    assert.deepEqual(problems.pageErrors, []);
    await page.close();
  });

  test('(f) no request leaves 127.0.0.1', () => {
    assertLocalOnly(harness);
    assert.ok(harness.requests.some((u) => u.endsWith('/pkg/tokenlens_bg.wasm')), 'wasm fetch recorded');
  });
});
