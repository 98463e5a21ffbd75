// Browser tests for the static page: Playwright (playwright-core) driving Debian's Chromium
// against scripts/serve.mjs on a free 127.0.0.1 port. Expected numbers come from the native
// CLI (`tokenlens summary --json`), which shares the engine but not the page's code path.
//
//   node --test tests/e2e/
//
// Needs: target/release/tokenlens, pkg/ (wasm-bindgen output), node_modules/playwright-core,
// /usr/bin/chromium (or CHROMIUM=/path). Writes screenshots to test-output/. The server,
// browser and page helpers are in helpers.mjs (shared with formats.test.mjs).

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  ROOT, DEMO, OUT, cli, summaryJson, startHarness, openPage as openPageIn, state, errorText, waitReady, dropFile,
  kpis, kpiValue, assertKpisMatch, assertChartsDrawn, chartStats, readLines, writeLines as writeLinesIn, lineAt,
  isErrorRecord, showRequests, waitRequests, requestRows, openRequest, waitDetail, detailText, detailFields,
  setUnmasked,
} from './helpers.mjs';

const XSS_MODEL = '<img src=x onerror=alert(1)>';
const XSS_APP = '<b id="injected">bold</b>';
const EMAIL = 'jane.doe@example.com';
const TIMEOUT = 120_000;

let harness;
let tmp;
let origin;
/** Every URL any page or worker of the browser asked for. */
let requests = [];
let bigFile;
let bigSummary;

const openPage = (opts) => openPageIn(harness, opts);
const writeLines = (name, lines) => writeLinesIn(tmp, name, lines);

/** A cost table's rows: name, requests and cost as the cells hold them (data-value). */
async function costRows(page, table) {
  return page.$$eval(`${table} tbody tr`, (trs) => trs.map((tr) => ({
    name: tr.dataset.name,
    requests: Number(tr.children[1].dataset.value),
    cost: Number(tr.children[6].dataset.value),
  })));
}

/** The same from the CLI's groups. */
function costRowsOf(groups) {
  return groups.map((g) => ({ name: g.name, requests: g.requests, cost: g.cost_usd }));
}

// ---------- setup ----------

describe('tokenlens dashboard in Chromium', { timeout: 15 * 60_000 }, () => {
  before(async () => {
    harness = await startHarness();
    ({ tmp, origin, requests } = harness);
    if (!fs.existsSync(DEMO)) cli('generate', '--records', '30000', '--seed', '7', '--labels', '--out', DEMO);

    bigFile = path.join(tmp, 'traffic-20k.jsonl');
    cli('generate', '--records', '20000', '--seed', '11', '--labels', '--out', bigFile);
    bigSummary = summaryJson(bigFile);
  });

  after(async () => {
    if (harness) await harness.close();
  });

  test('(a) a dropped file shows the CLI numbers, drawn charts, and a screenshot', { timeout: TIMEOUT }, async () => {
    const { page, problems } = await openPage();
    assert.equal(await state(page), 'empty');
    const emptyText = await page.textContent('#empty-state');
    assert.match(emptyText, /never leaves/i, 'the empty state says data stays local');
    await page.screenshot({ path: path.join(OUT, 'empty.png') });

    await dropFile(page, bigFile);
    await waitReady(page);
    assert.equal(Number(await kpiValue(page, 'requests')), 20000);
    assertKpisMatch(await kpis(page), bigSummary);
    await assertChartsDrawn(page);

    // Tables follow the CLI's grouping and order.
    const rows = await page.$$eval('#by-model tbody tr', (trs) => trs.map((tr) => ({
      name: tr.dataset.name, requests: Number(tr.children[1].dataset.value),
    })));
    assert.deepEqual(rows, bigSummary.by_model.map((m) => ({ name: m.model, requests: m.requests })));
    const apps = await page.$$eval('#by-application tbody tr', (trs) => trs.map((tr) => tr.dataset.name));
    assert.deepEqual(apps, bigSummary.by_application.map((a) => a.application));
    // Cost by feature and by tag: the CLI's groups, costliest first, with its counts and costs.
    assert.ok(bigSummary.by_feature.length > 3 && bigSummary.by_tag.length > 3, 'the generator writes features and tags');
    assert.deepEqual(await costRows(page, '#by-feature'), costRowsOf(bigSummary.by_feature));
    assert.deepEqual(await costRows(page, '#by-tag'), costRowsOf(bigSummary.by_tag));
    assert.match(await page.textContent('body'), /UTC/);

    await page.screenshot({ path: path.join(OUT, 'dashboard.png'), fullPage: true });
    assert.deepEqual(problems.pageErrors, []);
    await page.close();
  });

  test('(b) file picker + model filter: requests equal the CLI by_model count', { timeout: TIMEOUT }, async () => {
    const { page, problems } = await openPage();
    await page.setInputFiles('#file-input', bigFile);
    await waitReady(page);
    assert.equal(Number(await kpiValue(page, 'requests')), bigSummary.requests);

    const options = await page.$$eval('#filter-model option', (os) => os.map((o) => o.value));
    assert.equal(options[0], '', 'first option is "all"');
    assert.deepEqual(options.slice(1).sort(), bigSummary.by_model.map((m) => m.model).sort());

    const pick = bigSummary.by_model[bigSummary.by_model.length > 1 ? 1 : 0];
    await page.selectOption('#filter-model', pick.model);
    await waitReady(page);
    assert.equal(Number(await kpiValue(page, 'requests')), pick.requests, `requests for model ${pick.model}`);
    assert.equal(Number(await kpiValue(page, 'error_rate')), pick.error_rate);
    await assertChartsDrawn(page);

    // Back to all, then one application.
    await page.selectOption('#filter-model', '');
    await waitReady(page);
    assert.equal(Number(await kpiValue(page, 'requests')), bigSummary.requests);
    const app = bigSummary.by_application[0];
    await page.selectOption('#filter-application', app.application);
    await waitReady(page);
    assert.equal(Number(await kpiValue(page, 'requests')), app.requests, `requests for application ${app.application}`);
    // The cost tables follow the filter: the CLI's dashboard for the same view.
    const view = JSON.parse(cli('dashboard', bigFile, '--only-application', app.application));
    assert.deepEqual(await costRows(page, '#by-feature'), costRowsOf(view.by_feature));
    assert.deepEqual(await costRows(page, '#by-tag'), costRowsOf(view.by_tag));
    assert.deepEqual(problems.pageErrors, []);
    await page.close();
  });

  test('(s) a filter change draws the charts in view before ready, the others after, never with the last view\'s figures', { timeout: TIMEOUT }, async () => {
    const { page, problems } = await openPage();
    await dropFile(page, bigFile);
    await waitReady(page);
    const before = await assertChartsDrawn(page);

    // Each chart as the page is marked ready: in view or not, waiting (data-stale) or not,
    // blank or not, and a digest of its pixels. Noted in the page at that moment, before any
    // later task draws.
    const atReady = (select, value) => page.evaluate(([select, value]) => new Promise((resolve) => {
      const note = () => [...document.querySelectorAll('canvas[data-chart]')].map((c) => {
        const card = c.closest('.chart-card');
        const r = c.getBoundingClientRect();
        const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
        let digest = 0;
        let blank = true;
        for (let i = 0; i < data.length; i += 4) {
          if (data[i + 3] !== 0) blank = false;
          digest = (digest * 31 + data[i] + 7 * data[i + 1] + 13 * data[i + 2] + 17 * data[i + 3]) >>> 0;
        }
        return {
          name: c.dataset.chart, empty: card.dataset.empty !== undefined, stale: card.dataset.stale !== undefined,
          inView: r.bottom > 0 && r.top < innerHeight && r.height > 0, blank, digest,
        };
      });
      const obs = new MutationObserver(() => {
        if (document.body.dataset.state === 'ready') {
          obs.disconnect();
          resolve(note());
        }
      });
      obs.observe(document.body, { attributes: true, attributeFilter: ['data-state'] });
      document.getElementById(select).value = value;
      document.getElementById(select).dispatchEvent(new Event('change', { bubbles: true }));
    }), [select, value]);
    const digests = (stats) => Object.fromEntries(stats.map((c) => [c.name, c.digest]));
    const chartDigests = async () => digests(await page.$$eval('canvas[data-chart]', (cs) => cs.map((c) => {
      const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
      let digest = 0;
      for (let i = 0; i < data.length; i += 4) digest = (digest * 31 + data[i] + 7 * data[i + 1] + 13 * data[i + 2] + 17 * data[i + 3]) >>> 0;
      return { name: c.dataset.chart, digest };
    })));
    const old = await chartDigests();

    const ready = (await atReady('filter-range', '86400000')).filter((c) => !c.empty);
    assert.ok(ready.some((c) => c.inView), 'some chart is in view');
    for (const c of ready.filter((x) => x.inView)) {
      assert.ok(!c.stale && !c.blank, `${c.name}: in view, drawn before ready`);
      assert.notEqual(c.digest, old[c.name], `${c.name}: in view, drawn for the new view`);
    }
    for (const c of ready.filter((x) => x.stale)) assert.ok(c.blank, `${c.name}: not drawn yet, and blank (not the last view's)`);
    assert.ok(ready.some((c) => c.stale), 'the charts out of view are drawn after ready');
    // Then every chart is drawn, for the new view.
    await assertChartsDrawn(page);
    const now = await chartDigests();
    for (const c of before.filter((x) => !x.empty)) assert.notEqual(now[c.name], old[c.name], `${c.name}: redrawn for the range`);

    // A chart scrolled into view is drawn for the view on screen.
    await page.evaluate(() => document.querySelector('canvas[data-chart="cost_by_model"]').scrollIntoView());
    await page.waitForFunction(() => !document.querySelector('.chart-card[data-stale]'));

    // A newer view replaces one still computing: the page is ready with the newer one's
    // figures and charts, and nothing is left to draw.
    const [m1, m2] = bigSummary.by_model;
    await page.selectOption('#filter-range', '');
    await waitReady(page);
    await page.evaluate(([a, b]) => {
      const select = document.getElementById('filter-model');
      for (const v of [a, b]) {
        select.value = v;
        select.dispatchEvent(new Event('change', { bubbles: true }));
      }
    }, [m1.model, m2.model]);
    await waitReady(page);
    assert.equal(Number(await kpiValue(page, 'requests')), m2.requests);
    await assertChartsDrawn(page);
    assert.deepEqual(problems.pageErrors, []);
    await page.close();
  });

  test('(c) the demo button loads demo data and draws every chart (light and dark, 2× pixels)', { timeout: TIMEOUT }, async () => {
    const demoSummary = summaryJson(DEMO);
    const { page, problems } = await openPage({ dpr: 2 });
    assert.equal(await page.evaluate(() => window.devicePixelRatio), 2);
    await page.click('#demo-button');
    await waitReady(page);
    assert.equal(Number(await kpiValue(page, 'requests')), demoSummary.requests);
    const light = await assertChartsDrawn(page);
    // The demo carries feedback and hallucination verdicts: their chart and KPIs show them.
    assert.equal(light.find((s) => s.name === 'quality').empty, false, 'the quality chart is drawn');
    assertKpisMatch(await kpis(page), demoSummary);
    assert.equal(await page.isVisible('[data-kpi="thumbs_up"]'), true);
    assert.equal(await page.isVisible('[data-kpi="hallucination"]'), true);
    assert.equal(await page.isVisible('[data-kpi="safety"]'), false, 'the demo has no safety flag');

    // The colour scheme flips: charts are redrawn for it.
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForFunction((before) => {
      const c = document.querySelector('canvas[data-chart="latency"]');
      const [r, g, b, a] = c.getContext('2d').getImageData(2, 2, 1, 1).data;
      const now = (((r << 24) | (g << 16) | (b << 8) | a) >>> 0).toString(16).padStart(8, '0');
      return now !== before;
    }, light.find((s) => s.name === 'latency').background, { timeout: 10_000 });
    await assertChartsDrawn(page);
    await page.screenshot({ path: path.join(OUT, 'dashboard-dark-2x.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'light' });
    assert.deepEqual(problems.pageErrors, []);
    await page.close();
  });

  test('(d) malformed lines are reported with line numbers; good records are kept', { timeout: TIMEOUT }, async () => {
    const good = readLines(bigFile).slice(0, 300);
    const lines = [];
    const expectedBad = [];
    const bad = (text) => {
      lines.push(text);
      expectedBad.push(lines.length);
    };
    const mutate = (line, patch) => JSON.stringify({ ...JSON.parse(line), ...patch });
    good.forEach((line, i) => {
      if (i === 2) bad('this is not json');
      if (i === 10) bad('[1, 2, 3]');
      if (i === 50) bad(mutate(good[0], { latency_ms: 'fast' }));
      if (i === 60) lines.push(''); // Blank lines are ignored, not errors.
      if (i === 120) bad(mutate(good[1], { prompt_tokens: -5 }));
      if (i === 200) bad('{"timestamp": 1790000000.0, "model_name": "gpt-4o", ');
      lines.push(line);
    });
    const file = writeLines('malformed.jsonl', lines);
    const offsets = [];
    let off = 0;
    for (const l of lines) {
      offsets.push(off);
      off += Buffer.byteLength(l) + 1;
    }

    // The CLI agrees on what is bad (a check on the test's own expectations).
    const s = summaryJson(file);
    assert.equal(s.requests, good.length);
    assert.deepEqual(s.import.errors.map((e) => e.line), expectedBad);

    const { page, problems } = await openPage();
    await dropFile(page, file);
    await waitReady(page);
    assert.equal(Number(await kpiValue(page, 'requests')), good.length);
    const rows = await page.$$eval('#import-errors tbody tr', (trs) => trs.map((tr) => ({
      line: Number(tr.children[0].dataset.value),
      offset: Number(tr.children[1].dataset.value),
      reason: tr.children[2].textContent,
    })));
    assert.deepEqual(rows.map((r) => r.line), expectedBad);
    assert.deepEqual(rows.map((r) => r.offset), expectedBad.map((n) => offsets[n - 1]));
    for (const r of rows) assert.ok(r.reason.trim().length > 0, `line ${r.line}: reason missing`);
    const reportText = await page.textContent('#import-report');
    assert.match(reportText, new RegExp(`${expectedBad.length} skipped`));
    await page.locator('#import-report').screenshot({ path: path.join(OUT, 'import-report.png') });
    assert.deepEqual(problems.pageErrors, []);
    await page.close();
  });

  test('(e) text from the log is shown as text, never as HTML', { timeout: TIMEOUT }, async () => {
    const lines = readLines(bigFile).slice(0, 80).map((line, i) => {
      const rec = JSON.parse(line);
      if (i % 3 === 0) rec.model_name = XSS_MODEL;
      if (i % 4 === 0) rec.application = XSS_APP;
      return JSON.stringify(rec);
    });
    const file = writeLines('xss.jsonl', lines);
    const { page, problems } = await openPage();
    const imgsBefore = await page.$$eval('img', (els) => els.length);
    await dropFile(page, file);
    await waitReady(page);

    assert.equal(await page.$$eval('img', (els) => els.length), imgsBefore, 'no img element created');
    assert.equal(await page.$('#injected'), null, 'no b element created');
    const names = await page.$$eval('#by-model tbody td.name', (tds) => tds.map((td) => td.textContent));
    assert.ok(names.includes(XSS_MODEL), `model name shown literally: ${JSON.stringify(names)}`);
    const appNames = await page.$$eval('#by-application tbody td.name', (tds) => tds.map((td) => td.textContent));
    assert.ok(appNames.includes(XSS_APP), 'application name shown literally');
    const optionTexts = await page.$$eval('#filter-model option', (os) => os.map((o) => o.textContent));
    assert.ok(optionTexts.includes(XSS_MODEL), 'model name literal in the filter');
    await page.selectOption('#filter-model', XSS_MODEL);
    await waitReady(page);
    assert.equal(Number(await kpiValue(page, 'requests')), lines.filter((_, i) => i % 3 === 0).length);
    await page.waitForTimeout(200);
    assert.deepEqual(problems.dialogs, [], 'no script ran');
    assert.deepEqual(problems.pageErrors, []);
    await page.close();
  });

  test('(f) a wasm panic in the worker shows its message; the next file still loads', { timeout: TIMEOUT }, async () => {
    const small = writeLines('small.jsonl', readLines(bigFile).slice(0, 500));
    const { page, problems } = await openPage();
    await page.setInputFiles('#file-input', small);
    await waitReady(page);

    await page.evaluate(() => window.tokenlensDebug.testPanic());
    await page.waitForFunction(() => document.body.dataset.state === 'error', null, { timeout: 30_000 });
    const message = await errorText(page);
    assert.ok(await page.isVisible('#error'), '#error is visible');
    assert.match(message, /crashed/i);
    assert.doesNotMatch(message, /^\s*$/);
    // The panic's own message, not just "unreachable".
    assert.ok(!/^[^:]*:\s*unreachable\b/i.test(message.split('\n')[0]), `panic message not read: ${message}`);
    assert.match(message, /panic/i, `the message names the panic: ${message}`);
    await page.screenshot({ path: path.join(OUT, 'error.png') });

    // The page still works: another file reaches ready with the right numbers.
    await page.setInputFiles('#file-input', bigFile);
    await waitReady(page);
    assert.equal(Number(await kpiValue(page, 'requests')), bigSummary.requests);
    assert.equal(await page.isVisible('#error'), false, 'the error is cleared');
    await assertChartsDrawn(page);
    assert.deepEqual(problems.pageErrors, []);
    await page.close();
  });

  test('(h) cancel stops a load mid-stream; the next load starts from nothing', { timeout: TIMEOUT }, async () => {
    const { page, problems } = await openPage();
    const repeat = 24; // ~230 MB: several seconds of parsing, so there is time to cancel.
    await dropFile(page, bigFile, 'huge.jsonl', repeat);
    await page.waitForFunction(() => {
      const bar = document.getElementById('progress');
      return document.body.dataset.state !== 'loading' || (bar.hasAttribute('value') && bar.value > 0);
    }, null, { timeout: 30_000, polling: 20 });
    assert.equal(await state(page), 'loading', 'still loading when cancel is pressed');
    await page.screenshot({ path: path.join(OUT, 'loading.png') });
    const fraction = await page.$eval('#progress', (b) => b.value);
    assert.ok(fraction > 0 && fraction < 1, `cancelled mid-stream (progress ${fraction})`);
    await page.click('#cancel-button');
    await page.waitForFunction(() => document.body.dataset.state !== 'loading', null, { timeout: 10_000 });
    assert.equal(await state(page), 'empty', `state after cancel: ${await errorText(page)}`);
    assert.equal(await page.isVisible('#empty-state'), true, 'the drop invitation is back');

    // Nothing of the cancelled file is left in the engine.
    await dropFile(page, bigFile);
    await waitReady(page);
    assert.equal(Number(await kpiValue(page, 'requests')), bigSummary.requests);
    assert.deepEqual(problems.pageErrors, []);
    await page.close();
  });

  test('(i) missing values show as —, never as 0; a cost missing from the log is computed from list prices', { timeout: TIMEOUT }, async () => {
    const lines = readLines(bigFile).slice(0, 40).map((line) => {
      const rec = JSON.parse(line);
      delete rec.latency_ms;
      delete rec.estimated_cost_usd;
      return JSON.stringify(rec);
    });
    const file = writeLines('no-latency-no-cost.jsonl', lines);
    const s = summaryJson(file);
    assert.equal(s.latency_ms.p50, null, 'the CLI agrees there is no latency');
    // No cost in the log: the CLI computes it from the built-in price table.
    assert.ok(s.cost_usd > 0, `the CLI computes a cost: ${s.cost_usd}`);
    assert.equal(s.cost_computed_count, s.cost_count, 'every cost is computed');
    assert.ok(s.by_model.some((m) => m.cost_usd === null), 'the fixture has a model without a cost (unpriced)');

    const { page, problems } = await openPage();
    await dropFile(page, file);
    await waitReady(page);
    // The KPIs, computed cost included, equal the CLI's.
    assertKpisMatch(await kpis(page), s);
    for (const k of ['p50_ms', 'p95_ms', 'p99_ms']) {
      const card = await page.$eval(`[data-kpi="${k}"]`, (e) => ({ value: e.dataset.value, text: e.querySelector('.kpi-value').textContent }));
      assert.deepEqual(card, { value: '', text: '—' }, k);
    }
    assert.equal(await page.textContent('[data-kpi="cost_usd"] .kpi-sub'), 'all computed from list prices');

    const rows = await page.$$eval('#by-model tbody tr', (trs) => trs.map((tr) => ({
      name: tr.dataset.name,
      cells: [...tr.children].map((td) => td.textContent),
      cost: tr.children[9].dataset.value,
      tags: tr.children[9].dataset.tags || '',
    })));
    assert.deepEqual(rows.map((r) => r.name), s.by_model.map((m) => m.model));
    for (const [i, m] of s.by_model.entries()) {
      const r = rows[i];
      assert.deepEqual(r.cells.slice(4, 7), ['—', '—', '—'], `latency cells of ${m.model}`);
      if (m.cost_usd === null) {
        assert.equal(r.cost, '', `${m.model}: no cost`);
        assert.match(r.cells[9], /—$/, `${m.model}: a missing cost shows as —`);
        assert.equal(r.tags, 'unpriced', `${m.model}: tagged unpriced`);
      } else {
        assert.ok(Math.abs(Number(r.cost) - m.cost_usd) <= 1e-9 * m.cost_usd, `${m.model}: cost ${r.cost} != CLI ${m.cost_usd}`);
        assert.equal(r.tags, 'computed', `${m.model}: tagged as list price`);
      }
    }
    assert.deepEqual(problems.pageErrors, []);
    await page.close();
  });

  test('(j) the Requests list agrees with the CLI in every order and follows the filters', { timeout: TIMEOUT }, async () => {
    const { page, problems } = await openPage();
    await dropFile(page, bigFile);
    await waitReady(page);
    await waitRequests(page, 'slowest');

    // Slowest: the first is the CLI's maximum latency; each row is the line it points at.
    let rows = await requestRows(page);
    assert.equal(rows.length, 50);
    assert.equal(rows[0].latency, bigSummary.latency_ms.max, 'slowest latency = CLI latency_ms.max');
    for (let i = 1; i < rows.length; i++) assert.ok(rows[i].latency <= rows[i - 1].latency, `slowest order at row ${i}`);
    for (const r of rows) {
      const rec = JSON.parse(lineAt(bigFile, r.offset, r.len));
      assert.equal(rec.latency_ms, r.latency, `row at byte ${r.offset}: latency of its line`);
      assert.equal(rec.model_name, r.model);
      assert.equal(rec.application, r.application);
    }

    await page.locator('#requests').screenshot({ path: path.join(OUT, 'requests.png') });

    // Latest: the first is the CLI's last request.
    await showRequests(page, 'latest');
    rows = await requestRows(page);
    assert.equal(rows.length, 50);
    assert.equal(rows[0].ts, bigSummary.last_ts, 'latest = CLI last_ts');
    for (let i = 1; i < rows.length; i++) assert.ok(rows[i].ts <= rows[i - 1].ts, `latest order at row ${i}`);

    // Errors: every row failed (in the file too), and there are no more than the CLI counts.
    await showRequests(page, 'errors');
    rows = await requestRows(page);
    assert.equal(rows.length, Math.min(50, bigSummary.errors), 'error rows vs CLI errors');
    assert.ok(rows.length <= bigSummary.errors);
    for (const r of rows) {
      assert.equal(r.error, true, `row at byte ${r.offset} is marked as an error`);
      assert.ok(isErrorRecord(JSON.parse(lineAt(bigFile, r.offset, r.len))), `line at byte ${r.offset} is an error`);
    }
    assert.equal(await page.$$eval('#requests-table tbody tr.is-error', (trs) => trs.length), rows.length, 'error rows are marked');

    // Costliest: sorted by the cost written in each line.
    await showRequests(page, 'costliest');
    rows = await requestRows(page);
    assert.equal(rows.length, 50);
    for (let i = 1; i < rows.length; i++) assert.ok(rows[i].cost <= rows[i - 1].cost, `costliest order at row ${i}`);
    for (const r of rows) assert.equal(JSON.parse(lineAt(bigFile, r.offset, r.len)).estimated_cost_usd, r.cost);

    // A model filter: the list follows it (the order picked stays).
    const pick = bigSummary.by_model[1];
    await page.selectOption('#filter-model', pick.model);
    await waitReady(page);
    await waitRequests(page, 'costliest');
    await showRequests(page, 'slowest');
    rows = await requestRows(page);
    assert.ok(rows.length > 0);
    assert.ok(rows.every((r) => r.model === pick.model), `every row is ${pick.model}`);
    assert.equal(rows[0].latency, pick.latency_ms.max, `slowest of ${pick.model} = CLI by_model max`);
    await showRequests(page, 'errors');
    rows = await requestRows(page);
    assert.equal(rows.length, Math.min(50, pick.errors), `errors of ${pick.model}`);
    assert.ok(rows.every((r) => r.error && r.model === pick.model));

    // And an application filter on top.
    const app = bigSummary.by_application[0];
    await page.selectOption('#filter-application', app.application);
    await waitReady(page);
    await waitRequests(page, 'errors');
    rows = await requestRows(page);
    assert.ok(rows.every((r) => r.model === pick.model && r.application === app.application));
    assert.deepEqual(problems.pageErrors, []);
    await page.close();
  });

  test('(k) a row opens the drawer with exactly its line; keyboard opens and Esc closes it', { timeout: TIMEOUT }, async () => {
    const { page, problems } = await openPage();
    await page.setInputFiles('#file-input', bigFile);
    await waitReady(page);
    await waitRequests(page, 'slowest');
    const rows = await requestRows(page);

    for (const index of [0, 7, 31]) {
      const r = rows[index];
      const rec = JSON.parse(lineAt(bigFile, r.offset, r.len));
      await openRequest(page, index);
      assert.equal(await page.$eval('#detail', (d) => d.dataset.state), 'ready');
      await setUnmasked(page, true);
      assert.equal(await detailText(page, 'input_prompt'), rec.input_prompt, `prompt of the line at byte ${r.offset}`);
      if (rec.llm_output) assert.equal(await detailText(page, 'llm_output'), rec.llm_output);
      if (rec.error_message) assert.equal(await detailText(page, 'error_message'), rec.error_message);
      const fields = await detailFields(page);
      assert.equal(fields.request_id, rec.request_id, 'request_id of that line');
      assert.equal(fields.latency_ms, String(rec.latency_ms));
      assert.equal(fields.status_code, String(rec.status_code));
      assert.equal(fields.prompt_tokens, String(rec.prompt_tokens));
      // Every field of the line is shown (the long texts in their own blocks).
      const shownKeys = [...Object.keys(fields),
        ...await page.$$eval('#detail .detail-text', (els) => els.map((e) => e.dataset.field))];
      assert.deepEqual(shownKeys.sort(), Object.keys(rec).sort());
      await page.keyboard.press('Escape');
      await page.waitForFunction(() => !document.getElementById('detail').open);
    }

    // Keyboard only: the row's time is a button; Enter opens, Esc closes, focus comes back.
    await page.focus('#requests-table tbody tr[data-index="2"] .row-open');
    await page.keyboard.press('Enter');
    await waitDetail(page);
    const rec2 = JSON.parse(lineAt(bigFile, rows[2].offset, rows[2].len));
    assert.equal(await page.$eval('#detail-title', (h) => h.textContent), `Request at ${rows[2].ts.slice(0, 10)} ${rows[2].ts.slice(11, 19)} UTC`);
    assert.equal((await detailFields(page)).request_id, rec2.request_id);
    assert.equal(await page.evaluate(() => document.getElementById('detail').contains(document.activeElement)), true, 'focus is in the drawer');
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => !document.getElementById('detail').open);
    assert.equal(await page.evaluate(() => document.activeElement.closest('tr')?.dataset.index), '2', 'focus back on the row');
    assert.deepEqual(problems.pageErrors, []);
    await page.close();
  });

  test('(l) PII in a prompt is masked by default, shown after "Show unmasked"; a screenshot', { timeout: TIMEOUT }, async () => {
    const { page, problems } = await openPage();
    await dropFile(page, bigFile);
    await waitReady(page);
    await page.selectOption('#filter-application', 'support-bot');
    await waitReady(page);
    await showRequests(page, 'latest');
    const rows = await requestRows(page);
    const withEmail = rows.find((r) => JSON.parse(lineAt(bigFile, r.offset, r.len)).input_prompt.includes(EMAIL));
    assert.ok(withEmail, 'a support-bot prompt with the email among the latest 50');
    const rec = JSON.parse(lineAt(bigFile, withEmail.offset, withEmail.len));

    await openRequest(page, withEmail.index);
    assert.equal(await page.$eval('#detail', (d) => d.dataset.masked), 'true', 'masked by default');
    assert.equal(await page.isChecked('#detail-unmask'), false);
    assert.match(await page.textContent('#detail .drawer-mask'), /locally/i, 'says masking is local');
    const masked = await detailText(page, 'input_prompt');
    assert.equal(masked, rec.input_prompt.replace(EMAIL, '[email]'));
    assert.ok(!(await page.textContent('#detail')).includes(EMAIL), 'the address appears nowhere in the drawer');
    await page.screenshot({ path: path.join(OUT, 'drilldown.png') });

    await setUnmasked(page, true);
    assert.equal(await detailText(page, 'input_prompt'), rec.input_prompt, 'unmasked after the toggle');
    assert.ok(rec.input_prompt.includes(EMAIL));
    await setUnmasked(page, false);
    assert.equal(await detailText(page, 'input_prompt'), masked, 'masked again');

    // Each opening starts masked, even after unmasking the previous one.
    await setUnmasked(page, true);
    await page.click('#detail-close');
    await page.waitForFunction(() => !document.getElementById('detail').open);
    await openRequest(page, withEmail.index);
    assert.equal(await page.$eval('#detail', (d) => d.dataset.masked), 'true');
    assert.equal(await detailText(page, 'input_prompt'), masked);

    // The same in dark mode, for a look.
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: path.join(OUT, 'drilldown-dark.png') });
    await page.emulateMedia({ colorScheme: 'light' });
    assert.deepEqual(problems.pageErrors, []);
    await page.close();
  });

  test('(m) drill-down text is shown as text; a line that is not JSON here is shown raw, masked', { timeout: TIMEOUT }, async () => {
    const base = JSON.parse(readLines(bigFile)[0]);
    const mk = (patch) => JSON.stringify({ ...base, ...patch });
    const lines = [
      mk({ latency_ms: 900001, input_prompt: XSS_MODEL, llm_output: '<script>alert(2)</script>', error_message: XSS_APP, status_code: 500 }),
      mk({
        latency_ms: 900000,
        input_prompt: 'Call +1 (415) 555-0132 or pay with 4111 1111 1111 1111; key sk-proj-AbCdEf0123456789AbCdEf0123456789',
        user_id: 'ops@corp.example',
        metadata: { client_ip: '203.0.113.9', nested: ['<i id="inj2">x</i>'] },
      }),
      // A raw tab inside the prompt: the engine skips over prompts, JSON.parse refuses it.
      mk({ latency_ms: 899999, input_prompt: 'PLACEHOLDER' }).replace('PLACEHOLDER', `tab\there	and ${EMAIL}`),
      ...readLines(bigFile).slice(1, 20),
    ];
    const file = writeLines('drilldown.jsonl', lines);
    const { page, problems } = await openPage();
    const imgsBefore = await page.$$eval('img', (els) => els.length);
    await dropFile(page, file);
    await waitReady(page);
    await waitRequests(page, 'slowest');
    const rows = await requestRows(page);
    assert.deepEqual(rows.slice(0, 3).map((r) => r.latency), [900001, 900000, 899999]);

    // Markup from the log stays text.
    await openRequest(page, 0);
    assert.equal(await detailText(page, 'input_prompt'), XSS_MODEL);
    assert.equal(await detailText(page, 'llm_output'), '<script>alert(2)</script>');
    assert.equal(await detailText(page, 'error_message'), XSS_APP);
    await setUnmasked(page, true);
    assert.equal(await detailText(page, 'input_prompt'), XSS_MODEL);
    assert.equal(await page.$$eval('img', (els) => els.length), imgsBefore, 'no img element created');
    assert.equal(await page.$('#injected'), null, 'no b element created');
    assert.equal(await page.$$eval('#detail script', (els) => els.length), 0, 'no script element created');
    await page.keyboard.press('Escape');

    // Phone, card, key, user id, and an IP inside a nested object: all masked by default.
    await openRequest(page, 1);
    assert.equal(await detailText(page, 'input_prompt'), 'Call [phone] or pay with [card]; key [api-key]');
    const fields = await detailFields(page);
    assert.equal(fields.user_id, '[email]');
    assert.ok(fields.metadata.includes('"client_ip": "[ip]"'), fields.metadata);
    assert.ok(fields.metadata.includes(String.raw`<i id=\"inj2\">x</i>`), `nested markup as text: ${fields.metadata}`);
    assert.equal(await page.$('#inj2'), null);
    await page.keyboard.press('Escape');

    // Not JSON for the browser: the raw line, masked, with a note.
    await openRequest(page, 2);
    assert.equal(await page.$eval('#detail', (d) => d.dataset.state), 'raw');
    assert.match(await page.textContent('#detail .detail-note'), /could not be read back as a JSON object/);
    const raw = await detailText(page, 'raw');
    assert.ok(raw.includes('[email]') && !raw.includes(EMAIL), `raw line masked: ${raw}`);
    assert.equal(raw, lineAt(file, rows[2].offset, rows[2].len).replace(EMAIL, '[email]'));
    await setUnmasked(page, true);
    assert.ok((await detailText(page, 'raw')).includes(EMAIL));
    await page.keyboard.press('Escape');

    await page.waitForTimeout(200);
    assert.deepEqual(problems.dialogs, [], 'no script ran');
    assert.deepEqual(problems.pageErrors, []);
    await page.close();
  });

  test('(n) the demo drills down too: the page fetched demo.jsonl and holds it as a File', { timeout: TIMEOUT }, async () => {
    const { page, problems } = await openPage();
    await page.click('#demo-button');
    await waitReady(page);
    await waitRequests(page, 'slowest');
    const demoSummary = summaryJson(DEMO);
    const rows = await requestRows(page);
    assert.equal(rows[0].latency, demoSummary.latency_ms.max);
    const rec = JSON.parse(lineAt(DEMO, rows[0].offset, rows[0].len));
    await openRequest(page, 0);
    assert.equal(await page.$eval('#detail', (d) => d.dataset.state), 'ready');
    assert.equal((await detailFields(page)).request_id, rec.request_id);
    await setUnmasked(page, true);
    assert.equal(await detailText(page, 'input_prompt'), rec.input_prompt);
    assert.deepEqual(problems.pageErrors, []);
    await page.close();
  });

  test('(o) a 100k-record file picked on the page gives the numbers DuckDB computes', { timeout: 4 * TIMEOUT }, async () => {
    const file = path.join(tmp, 'article-100k.jsonl');
    cli('generate', '--records', '100000', '--seed', '42', '--out', file);
    // DuckDB (PyPI) computes the figures independently: tests/oracle/test_oracle.py's oracle().
    const script = [
      'import json, sys',
      'from pathlib import Path',
      "sys.path.insert(0, 'tests/oracle')",
      'from test_oracle import oracle',
      "print(json.dumps(oracle(Path(sys.argv[1]))['summary']))",
    ].join('\n');
    const duck = JSON.parse(execFileSync('python3', ['-c', script, file], { cwd: ROOT, encoding: 'utf8' }));
    const span = (duck.last_us - duck.first_us) / 1e6;
    const want = {
      ...duck,
      throughput_rps: duck.requests / span,
      tokens_per_s: (duck.input_tokens + duck.output_tokens) / span,
    };
    const { page, problems } = await openPage();
    await page.setInputFiles('#file-input', file);
    await waitReady(page);
    assertKpisMatch(await kpis(page), want);
    await assertChartsDrawn(page);
    assert.deepEqual(problems.pageErrors, []);
    await page.close();
  });

  test('(p) time range, bucket width and time zone: figures equal the CLI dashboard of the same view; times read in the zone', { timeout: TIMEOUT }, async () => {
    const { page, problems } = await openPage();
    await page.setInputFiles('#file-input', bigFile);
    await waitReady(page);
    assert.equal(await page.$eval('#zone-note', (e) => e.textContent), 'UTC', 'the browser zone (UTC here) by default');
    await page.selectOption('#filter-zone', 'America/New_York');
    await waitReady(page);
    await page.selectOption('#filter-bucket', '1d');
    await waitReady(page);
    await page.selectOption('#filter-range', String(86_400_000));
    await waitReady(page);
    // The last 24 hours end just after the last request (ms precision, as the page has it).
    const to = Math.floor(Date.parse(bigSummary.last_ts)) + 1;
    const iso = (ms) => new Date(ms).toISOString();
    const d = JSON.parse(cli('dashboard', bigFile, '--tz', 'America/New_York', '--bucket', '1d',
      '--from', iso(to - 86_400_000), '--to', iso(to)));
    assert.ok(d.summary.requests > 0 && d.summary.requests < bigSummary.requests);
    assert.equal(Number(await kpiValue(page, 'requests')), d.summary.requests);
    assert.equal(Number(await kpiValue(page, 'p95_ms')), d.summary.latency_ms.p95);
    assert.equal(Number(await kpiValue(page, 'tokens_per_s')), d.summary.tokens_per_s);
    assert.equal(d.series.bucket_label, '1d');
    assert.equal(d.series.start_ms.length, 2, 'a day in New York spans two local days');
    assert.equal(await page.$eval('.bucket-label', (e) => e.textContent), '· per 1d, America/New_York');
    assert.equal(await page.$eval('#zone-note', (e) => e.textContent), 'America/New_York');
    await assertChartsDrawn(page);
    // The latest request reads on New York's clock: UTC−5 in November.
    await showRequests(page, 'latest');
    const first = await page.$eval('#requests-table tbody tr[data-index] td:first-child', (td) => td.textContent);
    const lastUtc = new Date(Date.parse(bigSummary.last_ts) - 5 * 3_600_000).toISOString();
    assert.equal(first, `${lastUtc.slice(0, 10)} ${lastUtc.slice(11, 19)}`);
    assert.equal(await page.$eval('#requests-table th', (e) => e.textContent), 'Time (America/New_York)');
    // The choice of zone is remembered; "Clear filters" resets the range and the width.
    await page.click('#filter-clear');
    await waitReady(page);
    assert.equal(Number(await kpiValue(page, 'requests')), bigSummary.requests);
    const again = await openPage();
    assert.equal(await again.page.$eval('#filter-zone', (e) => e.value), 'America/New_York');
    // Back to the default for the other tests (this page shows no dashboard to click in).
    await again.page.evaluate(() => localStorage.removeItem('tokenlens.zone'));
    await again.page.close();
    assert.deepEqual(problems.pageErrors, []);
    await page.close();
  });

  test('(q) alerts and budgets under rules edited on the page equal tokenlens check; a bad rule is refused with its reason', { timeout: TIMEOUT }, async () => {
    const rules = {
      rules: [
        { metric: 'p95_latency_ms', op: '>', value: 30000, window: '1h', by: 'model' },
        { metric: 'error_rate', op: '>', value: 0.1, window: '1h' },
      ],
      budgets: [{ period: 'day', usd: 5 }, { period: 'week', usd: 20, application: 'support-bot' }],
    };
    const rulesFile = path.join(tmp, 'rules.json');
    fs.writeFileSync(rulesFile, JSON.stringify(rules));
    let checked;
    try {
      execFileSync(path.join(ROOT, 'target', 'release', 'tokenlens'), ['check', bigFile, '--rules', rulesFile, '--json'], { encoding: 'utf8' });
      assert.fail('check should exit 1: rules fire on the incident');
    } catch (err) {
      assert.equal(err.status, 1, String(err.stderr));
      checked = JSON.parse(err.stdout);
    }
    assert.ok(checked.alerts.length > 0);
    const { page, problems } = await openPage();
    await page.setInputFiles('#file-input', bigFile);
    await waitReady(page);
    await page.click('#rules-edit');
    // A rule the engine refuses: the dialog stays open with the engine's reason.
    await page.fill('#rules-text', '{"rules": [{"metric": "p95_latency_ms", "op": ">", "value": 1, "window": "7m"}]}');
    await page.click('#rules-apply');
    await page.waitForFunction(() => !document.getElementById('rules-error').hidden);
    assert.match(await page.$eval('#rules-error', (e) => e.textContent), /^rules\[0\]\.window: /);
    await page.fill('#rules-text', JSON.stringify(rules));
    await page.click('#rules-apply');
    await page.waitForFunction((n) => {
      const card = document.getElementById('alerts-card');
      return card.dataset.state === 'ready' && card.dataset.count === String(n);
    }, checked.alerts.length, { timeout: 30_000 });
    const rows = await page.$$eval('#alerts-table tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
    const fmt = (iso) => `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
    assert.deepEqual(rows.map((r) => [r[0], r[2]]), checked.alerts.map((a) => [a.rule, fmt(a.start)]));
    const budgetText = await page.$$eval('#budgets .budget', (bs) => bs.map((b) => b.textContent));
    assert.equal(budgetText.length, 2);
    // Each budget draws its burn-down (spend, pace, projection, budget line) on its canvas.
    await page.waitForFunction(() => [...document.querySelectorAll('#budgets canvas.budget-chart')]
      .every((c) => c.width > 100 && c.getContext('2d').getImageData(0, 0, c.width, c.height).data.some((v, i) => i % 4 === 3 && v > 0)));
    const burns = await chartStats(page, '#budgets canvas.budget-chart');
    assert.deepEqual(burns.map((s) => s.name), ['burn_down', 'burn_down']);
    for (const s of burns) {
      assert.ok(s.distinct > 6 && s.nonBackground > 0.01, `burn-down blank? ${JSON.stringify(s)}`);
    }
    const usd = (v) => `$${v.toFixed(2)}`;
    assert.ok(budgetText[0].includes(`${usd(checked.budgets[0].current.spent_usd)} of $5.00 today`), budgetText[0]);
    // Remembered: a reload asks for the same rules.
    assert.ok((await page.evaluate(() => localStorage.getItem('tokenlens.rules'))).includes('support-bot'));
    await page.click('#rules-edit');
    await page.click('#rules-reset');
    assert.equal(await page.evaluate(() => localStorage.getItem('tokenlens.rules')), null);
    assert.deepEqual(problems.pageErrors, []);
    await page.close();
  });

  test('(r) prices edited on the page (per model, imported, exported) price the records as tokenlens summary --prices does; kept across loads', { timeout: TIMEOUT }, async () => {
    // gpt-4o without a logged cost (computed from the list price), an in-house model
    // without any price (unknown cost), and logged costs (kept whatever the prices).
    const lines = [];
    for (let i = 0; i < 60; i++) {
      const rec = {
        timestamp: 1794182400 + i * 60, request_id: `p${i}`, latency_ms: 500 + i,
        model_name: ['gpt-4o', 'in-house-7b', 'gpt-4o-mini'][i % 3], status_code: 200,
        prompt_tokens: 1000 + 37 * i, completion_tokens: 100 + 11 * i,
      };
      if (i % 3 === 2) rec.estimated_cost_usd = 0.0004 + i * 1e-6;
      lines.push(JSON.stringify(rec));
    }
    const file = writeLines('prices.jsonl', lines);
    const pricesFile = (name, text) => {
      const f = path.join(tmp, name);
      fs.writeFileSync(f, text);
      return f;
    };
    const costWith = (text) => (text ? summaryJson(file, '--prices', pricesFile('p.json', text)) : summaryJson(file)).cost_usd;
    const cost = async (page) => Number(await kpiValue(page, 'cost_usd'));
    const open = async (page) => {
      await page.click('#prices-edit');
      await page.waitForFunction(() => document.getElementById('prices-dialog').dataset.state === 'ready');
    };
    const setPrice = async (page, model, field, value) => {
      const input = page.locator(`#prices-models tr[data-model="${model}"] input[data-field="${field}"]`);
      await input.fill(value);
      await input.dispatchEvent('change');
    };
    const applied = async (page) => {
      await page.click('#prices-apply');
      await page.waitForFunction(() => document.getElementById('prices-dialog').dataset.state === 'closed');
      await waitReady(page);
    };

    const { page, problems } = await openPage();
    await dropFile(page, file);
    await waitReady(page);
    const builtin = summaryJson(file);
    assert.equal(await cost(page), builtin.cost_usd);
    assert.ok(builtin.unpriced_requests > 0, 'the in-house model is unpriced');

    // The editor lists the file's models with the price each gets.
    await open(page);
    const listed = await page.$$eval('#prices-models tbody tr', (trs) => trs.map((tr) => ({
      model: tr.dataset.model, priced: tr.dataset.priced, input: tr.querySelector('input[data-field="input_usd_per_mtok"]').value,
    })));
    assert.deepEqual(listed, [
      { model: 'gpt-4o', priced: 'true', input: '2.5' },
      { model: 'gpt-4o-mini', priced: 'true', input: '0.15' },
      { model: 'in-house-7b', priced: 'false', input: '' },
    ]);
    await setPrice(page, 'in-house-7b', 'input_usd_per_mtok', '1');
    await setPrice(page, 'in-house-7b', 'output_usd_per_mtok', '3');
    await setPrice(page, 'gpt-4o', 'input_usd_per_mtok', '5');
    await applied(page);
    const saved = await page.evaluate(() => localStorage.getItem('tokenlens.prices'));
    const own = JSON.parse(saved);
    assert.equal(own['in-house-7b'].input_cost_per_token, 1e-6);
    assert.equal(own['in-house-7b'].output_cost_per_token, 3e-6);
    assert.equal(own['gpt-4o'].input_cost_per_token, 5e-6);
    const edited = costWith(saved);
    assert.notEqual(edited, builtin.cost_usd);
    assert.equal(await cost(page), edited);
    assert.equal(summaryJson(file, '--prices', pricesFile('p.json', saved)).unpriced_requests, 0);

    // Export: the whole table in use, the user's prices in it.
    await open(page);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#prices-export')]);
    const exported = JSON.parse(fs.readFileSync(await download.path(), 'utf8'));
    assert.equal(exported['gpt-4o'].input_cost_per_token, 5e-6);
    assert.equal(exported['in-house-7b'].output_cost_per_token, 3e-6);
    assert.ok(Object.keys(exported).length > 170, 'the built-in models are exported too');

    // A text the engine refuses is reported in the dialog, which stays open.
    await page.fill('#prices-text', '{"broken": ');
    await page.click('#prices-apply');
    await page.waitForFunction(() => !document.getElementById('prices-error').hidden);
    assert.match(await page.textContent('#prices-error'), /LiteLLM|JSON|EOF/i);
    assert.equal(await page.evaluate(() => document.getElementById('prices-dialog').open), true);
    await page.click('#prices-cancel');
    await page.close();

    // Kept: a new page loading the file prices it with the saved prices.
    const second = await openPage();
    await dropFile(second.page, file);
    await waitReady(second.page);
    assert.equal(await cost(second.page), edited);
    // Import a LiteLLM file, then back to the built-in prices.
    const imported = '{"in-house-7b": {"input_cost_per_token": 2e-6, "output_cost_per_token": 4e-6, "litellm_provider": "self"}}';
    await open(second.page);
    await second.page.setInputFiles('#prices-file', pricesFile('import.json', imported));
    await second.page.waitForFunction((t) => document.getElementById('prices-text').value === t, imported);
    await applied(second.page);
    assert.equal(await cost(second.page), costWith(imported));
    await open(second.page);
    await second.page.click('#prices-reset');
    await second.page.waitForFunction(() => document.getElementById('prices-dialog').dataset.state === 'closed');
    await waitReady(second.page);
    assert.equal(await cost(second.page), builtin.cost_usd);
    assert.equal(await second.page.evaluate(() => localStorage.getItem('tokenlens.prices')), null);
    assert.deepEqual(problems.pageErrors, []);
    assert.deepEqual(second.problems.pageErrors, []);
    await second.page.close();
  });

  test('(g) no request leaves 127.0.0.1', () => {
    assert.ok(requests.length > 0, 'requests were recorded');
    const foreign = requests.filter((u) => !(u.startsWith(`${origin}/`) || u.startsWith('data:') || u.startsWith('blob:')));
    assert.deepEqual(foreign, []);
    // Worker requests are recorded too (the wasm module is fetched by the worker and the page).
    assert.ok(requests.some((u) => u.endsWith('/pkg/tokenlens_bg.wasm')), 'wasm fetch recorded');
    assert.ok(requests.some((u) => u.endsWith('/demo.jsonl')), 'demo fetch from the page recorded');
  });
});
