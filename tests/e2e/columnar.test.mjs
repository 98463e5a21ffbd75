// Browser tests for the two engine builds: the worker starts with the lean one
// (pkg/tokenlens.js, no Parquet/Arrow reader) and loads the full one (pkg/tokenlens_full.js)
// only for an import with a Parquet or Arrow file, reading that import again with it. A
// JSONL import never fetches the full build; a Parquet or Arrow file shows the CLI's
// figures (`tokenlens summary FILE... --json`), with the same files and mapping.
//
//   node --test tests/e2e/
//
// Needs what dashboard.test.mjs needs (see helpers.mjs), and both builds in pkg/
// (scripts/build-wasm.sh).

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  ROOT, summaryJson, startHarness, openPage as openPageIn, waitReady, dropFile, dropFiles, kpis, kpiValue,
  assertKpisMatch, assertLocalOnly,
} from './helpers.mjs';

const FORMATS = path.join(ROOT, 'tests', 'fixtures', 'formats');
const fixture = (name) => path.join(FORMATS, name);
const JSONL = path.join(ROOT, 'tests', 'fixtures', 'article_small.jsonl');
const TIMEOUT = 120_000;
/** A request for the full build, its glue or its wasm. */
const FULL = /\/pkg\/tokenlens_full(\.js|_bg\.wasm)(\?|$)/;
const FULL_WASM = /\/pkg\/tokenlens_full_bg\.wasm(\?|$)/;

/** The mapping custom_columns.csv needs, as the CLI's --map flags (the dialog proposes it). */
const CUSTOM_MAP = {
  ts: 'when',
  latency_s: 'how_long_s',
  model: 'engine',
  user_id: 'who',
  input_tokens: 'in_tok',
  output_tokens: 'out_tok',
  cost_usd: 'usd',
};

let harness;

const openPage = (opts) => openPageIn(harness, opts);
const fullRequests = () => harness.requests.filter((u) => FULL.test(u));
const fullWasmFetches = () => harness.requests.filter((u) => FULL_WASM.test(u)).length;

/** Records every text #progress-text shows from now on (in window.__progressTexts). */
async function watchProgressText(page) {
  await page.evaluate(() => {
    window.__progressTexts = [];
    const el = document.getElementById('progress-text');
    new MutationObserver(() => window.__progressTexts.push(el.textContent))
      .observe(el, { childList: true, characterData: true, subtree: true });
  });
}

/** The rows of the import report's file table. */
async function reportFiles(page) {
  return page.$$eval('#import-files tbody tr', (trs) => trs.map((tr) => ({
    name: tr.children[0].textContent,
    format: tr.dataset.format,
    records: Number(tr.children[3].dataset.value),
    skipped: Number(tr.children[4].dataset.value),
  })));
}

/** Imports `files` on `page` and checks the KPIs and the file table against the CLI's. */
async function importMatchesCli(page, files, cliArgs = []) {
  const s = summaryJson(...files, ...cliArgs);
  assert.ok(s.requests > 0, 'the CLI reads records');
  await (files.length === 1 ? dropFile(page, files[0]) : dropFiles(page, files));
  await waitReady(page);
  assertKpisMatch(await kpis(page), s);
  assert.equal(Number(await kpiValue(page, 'requests')), s.requests);
  const rows = await reportFiles(page);
  assert.deepEqual(rows.map((r) => r.name), files.map((f) => path.basename(f)));
  for (const [i, f] of s.import.files.entries()) {
    assert.equal(rows[i].format, f.format, `${f.name}: format`);
    assert.equal(rows[i].records, f.records, `${f.name}: records`);
    assert.equal(rows[i].skipped, f.skipped, `${f.name}: skipped`);
  }
  const report = await page.textContent('#import-report');
  assert.doesNotMatch(report, /no Parquet\/Arrow reader/, 'no file was skipped for want of the Parquet/Arrow reader');
  return s;
}

describe('tokenlens: the lean engine, and the full one for Parquet and Arrow', { timeout: 10 * 60_000 }, () => {
  before(async () => {
    for (const f of ['tokenlens.js', 'tokenlens_bg.wasm', 'tokenlens_full.js', 'tokenlens_full_bg.wasm']) {
      assert.ok(fs.existsSync(path.join(ROOT, 'pkg', f)), `pkg/${f} is missing: bash scripts/build-wasm.sh`);
    }
    harness = await startHarness();
  });

  after(async () => {
    if (harness) await harness.close();
  });

  test('(a) a JSONL import never fetches the full engine', { timeout: TIMEOUT }, async () => {
    const { page, problems } = await openPage();
    await importMatchesCli(page, [JSONL]);
    // Filters and drill-down lists run on the same (lean) engine.
    await page.waitForTimeout(300);
    assert.ok(harness.requests.some((u) => u.endsWith('/pkg/tokenlens_bg.wasm')), 'the lean engine was fetched');
    assert.deepEqual(fullRequests(), [], 'no request for pkg/tokenlens_full*');
    assert.deepEqual(problems.pageErrors, []);
    await page.close();
  });

  test('(b) a Parquet file loads the full engine once, then an Arrow stream uses it', { timeout: TIMEOUT }, async () => {
    const { page, problems } = await openPage();
    await watchProgressText(page);
    await importMatchesCli(page, [fixture('article.parquet')]);
    const texts = await page.evaluate(() => window.__progressTexts);
    assert.ok(texts.includes('Loading the Parquet/Arrow reader…'), `progress texts: ${JSON.stringify(texts)}`);
    assert.equal(fullWasmFetches(), 1, 'the full engine was fetched once');

    // The worker keeps the full engine: the next Arrow file needs no second fetch.
    await watchProgressText(page);
    await importMatchesCli(page, [fixture('article.arrows')]);
    const again = await page.evaluate(() => window.__progressTexts);
    assert.ok(!again.includes('Loading the Parquet/Arrow reader…'), `progress texts: ${JSON.stringify(again)}`);
    assert.equal(fullWasmFetches(), 1, 'still one fetch of the full engine');
    assert.deepEqual(problems.pageErrors, []);
    await page.close();
  });

  test('(c) an Arrow stream on a fresh page', { timeout: TIMEOUT }, async () => {
    const { page, problems } = await openPage();
    await importMatchesCli(page, [fixture('article.arrows')]);
    assert.equal(fullWasmFetches(), 2, 'a new page (a new worker) fetches the full engine again');
    assert.deepEqual(problems.pageErrors, []);
    await page.close();
  });

  test('(d) JSONL + Parquet together: one import read again with the same files and mapping', { timeout: 2 * TIMEOUT }, async () => {
    const csv = fixture('custom_columns.csv');
    const parquet = fixture('article.parquet');
    const { page, problems } = await openPage();
    // Save the mapping of custom_columns.csv through the dialog (the lean engine reads it).
    await dropFile(page, csv);
    await page.waitForFunction(() => document.getElementById('mapping').open, null, { timeout: 30_000, polling: 50 });
    await page.click('#mapping-apply');
    await page.waitForFunction(() => !document.getElementById('mapping').open, null, { timeout: 30_000 });
    await waitReady(page);
    const fetched = fullWasmFetches();

    // A new page: the lean engine starts the import with the saved mapping, meets the
    // Parquet file, and the full engine reads all three files again with that mapping.
    await page.reload();
    await page.waitForFunction(() => window.tokenlensDebug !== undefined);
    const map = Object.entries(CUSTOM_MAP).flatMap(([k, v]) => ['--map', `${k}=${v}`]);
    const s = await importMatchesCli(page, [JSONL, csv, parquet], map);
    assert.ok(s.import.files[1].records > 0, 'the mapping reads custom_columns.csv');
    assert.match(await page.textContent('#import-mapping'), /Using your saved mapping/);
    assert.equal(fullWasmFetches(), fetched + 1);
    assert.deepEqual(problems.pageErrors, []);
    await page.close();
  });

  test('(e) no request leaves 127.0.0.1', () => {
    assertLocalOnly(harness);
    assert.ok(fullRequests().some((u) => u.endsWith('/pkg/tokenlens_full.js')), 'the full glue was fetched from pkg/');
  });
});
