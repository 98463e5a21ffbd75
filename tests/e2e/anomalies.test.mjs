// Browser tests of the anomaly flags and of the cost hints: the Anomalies panel and the marks
// on the charts, and the cost card, the note under the KPIs and the cost tags of the tables.
// Expected figures come from the native CLI (`tokenlens summary --json`), as elsewhere.
//
//   node --test tests/e2e/
//
// Needs what dashboard.test.mjs needs (helpers.mjs checks it). Writes screenshots to
// test-output/.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  ROOT, DEMO, OUT, cli, summaryJson, startHarness, openPage as openPageIn, waitReady, dropFile, kpiValue,
  readLines, writeLines as writeLinesIn, assertLocalOnly,
} from './helpers.mjs';

const XSS_MODEL = '<img src=x onerror=alert(1)>';
const TIMEOUT = 120_000;
const ALL = { models: [], applications: [] };
const SMALL = path.join(ROOT, 'tests', 'fixtures', 'article_small.jsonl');
const BATCH = path.join(ROOT, 'tests', 'fixtures', 'formats', 'openai_batch.jsonl');

let harness;
let tmp;
let demoSummary;

const openPage = (opts) => openPageIn(harness, opts);
const writeLines = (name, lines) => writeLinesIn(tmp, name, lines);

/** The CLI's flags in the page's order: newest bucket first, the engine's order within one. */
function newestFirst(flags) {
  return flags.map((f, i) => ({ f, i }))
    .sort((a, b) => (b.f.bucket_ms - a.f.bucket_ms) || (a.i - b.i))
    .map((x) => x.f);
}

/** Waits until the Anomalies panel shows the flags of `view`. */
async function waitAnomalies(page, view = ALL) {
  // The panel records the whole view it shows (time zone, bucket width too): its filters
  // are what must match.
  await page.waitForFunction((v) => {
    const s = document.getElementById('anomalies');
    if (s.dataset.state === 'error') return true;
    if (s.dataset.state !== 'ready' || !s.dataset.view) return false;
    const shown = JSON.parse(s.dataset.view);
    return JSON.stringify([shown.models, shown.applications]) === v;
  }, JSON.stringify([view.models, view.applications]), { timeout: 60_000, polling: 50 });
  const { state, text } = await page.$eval('#anomalies', (s) => ({ state: s.dataset.state, text: s.textContent }));
  assert.equal(state, 'ready', `anomalies panel: ${text}`);
}

/** The rows of the Anomalies panel. */
async function anomalyRows(page) {
  return page.$$eval('#anomalies-table tbody tr', (trs) => trs.map((tr) => {
    const reason = tr.querySelector('td.reason');
    return {
      metric: tr.dataset.metric,
      group: tr.dataset.group,
      bucket: tr.dataset.bucket,
      time: tr.children[0].textContent,
      groupText: tr.children[1].textContent,
      groupNames: [...tr.children[1].querySelectorAll('.group-name')].map((e) => e.textContent),
      reason: reason.textContent,
      reasonElements: reason.childElementCount,
      active: tr.classList.contains('is-active'),
    };
  }));
}

/** The marks under the charts: {chart, from, to, count, scope, active, bandActive}. */
async function marks(page) {
  return page.$$eval('.chart-marks .mark', (ms) => ms.map((m) => ({
    chart: m.dataset.chart,
    from: Number(m.dataset.from),
    to: Number(m.dataset.to),
    count: Number(m.dataset.count),
    scope: m.dataset.scope,
    active: m.classList.contains('is-active'),
    bandActive: m.previousElementSibling.classList.contains('is-active'),
  })));
}

function assertSameFlags(rows, flags, what) {
  const want = newestFirst(flags);
  assert.equal(rows.length, want.length, `${what}: as many flags as the CLI`);
  assert.deepEqual(rows.map((r) => r.reason), want.map((f) => f.reason), `${what}: the CLI's reasons, newest first`);
  assert.deepEqual(rows.map((r) => [r.metric, r.group, r.bucket]), want.map((f) => [f.metric, f.group, f.bucket_start]));
}

const INCIDENT_FROM = Date.UTC(2026, 10, 18, 14);
const INCIDENT_TO = Date.UTC(2026, 10, 18, 17);

describe('tokenlens anomalies and cost hints in Chromium', { timeout: 10 * 60_000 }, () => {
  before(async () => {
    harness = await startHarness();
    ({ tmp } = harness);
    if (!fs.existsSync(DEMO)) cli('generate', '--records', '30000', '--seed', '7', '--labels', '--out', DEMO);
    demoSummary = summaryJson(DEMO);
  });

  after(async () => {
    if (harness) await harness.close();
  });

  test('(a) the demo lists the CLI\'s anomalies, the incident included, and marks them on the charts', { timeout: TIMEOUT }, async () => {
    const flags = demoSummary.anomalies;
    // The incident: OpenAI's models fail and slow down from 14:00 to 17:00 UTC on 2026-11-18.
    const incident = flags.filter((f) => f.bucket_ms >= INCIDENT_FROM && f.bucket_ms < INCIDENT_TO);
    for (const model of ['gpt-4o', 'gpt-4o-mini']) {
      for (const metric of ['error_rate', 'p95_latency_ms']) {
        assert.ok(incident.some((f) => f.group === `model:${model}` && f.metric === metric), `the CLI flags ${metric} of ${model} in the incident`);
      }
    }

    const { page, problems } = await openPage();
    await page.click('#demo-button');
    await waitReady(page);
    await waitAnomalies(page);
    const rows = await anomalyRows(page);
    assertSameFlags(rows, flags, 'demo');
    assert.equal(await page.textContent('#anomalies-count'), String(flags.length), 'the count in the heading');
    assert.equal(await page.isVisible('#anomalies-empty'), false);
    for (const model of ['gpt-4o', 'gpt-4o-mini']) {
      const shown = rows.filter((r) => r.group === `model:${model}` && r.bucket.startsWith('2026-11-18T1'));
      assert.ok(shown.some((r) => r.metric === 'error_rate') && shown.some((r) => r.metric === 'p95_latency_ms'), `incident flags of ${model} shown`);
      assert.ok(shown.every((r) => r.groupNames[0] === model && /^model/.test(r.groupText)));
    }
    assert.equal(rows[0].time, `${rows[0].bucket.slice(0, 10)} ${rows[0].bucket.slice(11, 16)}`, 'time in UTC, to the minute');

    // Marks: the incident is one run of three hours on the latency and the requests chart.
    const all = await marks(page);
    for (const chart of ['latency', 'requests']) {
      const m = all.find((x) => x.chart === chart && x.from === INCIDENT_FROM);
      assert.ok(m, `${chart}: a mark at the incident (${JSON.stringify(all)})`);
      assert.equal(m.to, INCIDENT_TO, `${chart}: the mark spans 14:00-17:00`);
      assert.equal(m.scope, 'view', `${chart}: the view itself is flagged`);
      const metrics = chart === 'latency' ? ['p95_latency_ms'] : ['requests', 'error_rate'];
      assert.equal(m.count, incident.filter((f) => metrics.includes(f.metric)).length, `${chart}: the mark holds the incident's flags`);
    }
    // Every flag of a chart's metric has a mark over its bucket; cost has no time chart.
    const chartOf = { requests: 'requests', error_rate: 'requests', p95_latency_ms: 'latency', tokens: 'tokens' };
    for (const f of flags.filter((x) => chartOf[x.metric])) {
      assert.ok(all.some((m) => m.chart === chartOf[f.metric] && m.from <= f.bucket_ms && f.bucket_ms < m.to), `a mark over ${f.reason}`);
    }

    // The mark sits over the incident's bars: the error (red) part of the requests bars is
    // under its centre, and not 30 px to either side.
    const red = await page.$eval('canvas[data-chart="requests"]', (c, from) => {
      const mark = [...document.querySelectorAll('.mark[data-chart="requests"]')].find((m) => Number(m.dataset.from) === from);
      const box = c.getBoundingClientRect();
      const r = mark.getBoundingClientRect();
      const dpr = c.width / box.width;
      const x = (r.left + r.width / 2 - box.left) * dpr;
      const y = Math.round((box.height - 32 - 8) * dpr);
      const ctx = c.getContext('2d');
      const redAt = (cx) => {
        const { data } = ctx.getImageData(Math.round(cx - 2 * dpr), y, Math.round(4 * dpr) + 1, 1);
        for (let i = 0; i < data.length; i += 4) if (data[i] > 170 && data[i + 1] < 100 && data[i + 2] < 100) return true;
        return false;
      };
      return { centre: redAt(x), left: redAt(x - 30 * dpr), right: redAt(x + 30 * dpr) };
    }, INCIDENT_FROM);
    assert.deepEqual(red, { centre: true, left: false, right: false }, 'the mark is aligned with the incident bars');

    // A flag shows its mark; a mark shows its flags.
    const first = rows.findIndex((r) => r.metric === 'p95_latency_ms');
    await page.click(`#anomalies-table tbody tr[data-index="${first}"] .row-open`);
    let now = await marks(page);
    const active = now.filter((m) => m.active);
    assert.equal(active.length, 1, 'one mark is highlighted');
    assert.equal(active[0].chart, 'latency');
    assert.ok(active[0].bandActive, 'its band too');
    assert.ok(active[0].from <= Date.parse(rows[first].bucket) && Date.parse(rows[first].bucket) < active[0].to);
    assert.deepEqual((await anomalyRows(page)).map((r, i) => (r.active ? i : -1)).filter((i) => i >= 0), [first], 'the flag is highlighted');
    await page.locator('#latency-chart').screenshot({ path: path.join(OUT, 'anomalies-latency-mark.png') });

    await page.click(`.mark[data-chart="requests"][data-from="${INCIDENT_FROM}"]`);
    now = await marks(page);
    assert.deepEqual(now.filter((m) => m.active).map((m) => [m.chart, m.from]), [['requests', INCIDENT_FROM]]);
    const activeRows = (await anomalyRows(page)).filter((r) => r.active);
    assert.equal(activeRows.length, now.find((m) => m.active).count, 'the mark highlights its flags');
    assert.ok(activeRows.every((r) => ['requests', 'error_rate'].includes(r.metric) && r.bucket.startsWith('2026-11-18T1')));

    await page.locator('#anomalies').screenshot({ path: path.join(OUT, 'anomalies.png') });
    await page.screenshot({ path: path.join(OUT, 'anomalies-dashboard.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForTimeout(200);
    await page.screenshot({ path: path.join(OUT, 'anomalies-dashboard-dark.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'light' });
    assert.deepEqual(problems.pageErrors, []);
    await page.close();
  });

  test('(b) a model filter asks for the anomalies again: those of that model alone', { timeout: TIMEOUT }, async () => {
    // The CLI's figures for gpt-4o alone: the demo's gpt-4o lines as a file of their own.
    const lines = readLines(DEMO).filter((l) => JSON.parse(l).model_name === 'gpt-4o');
    const only = summaryJson(writeLines('demo-gpt-4o.jsonl', lines));
    assert.ok(only.anomalies.length > 0, 'gpt-4o alone has flags');

    const { page, problems } = await openPage();
    await page.click('#demo-button');
    await waitReady(page);
    await waitAnomalies(page);
    const view = { models: ['gpt-4o'], applications: [] };
    await page.selectOption('#filter-model', 'gpt-4o');
    await waitReady(page);
    await waitAnomalies(page, view);
    assert.equal(Number(await kpiValue(page, 'requests')), only.requests);
    const rows = await anomalyRows(page);
    assertSameFlags(rows, only.anomalies, 'gpt-4o');
    // The view's own flags are the incident's (and gpt-4o's flags in the unfiltered demo).
    const own = rows.filter((r) => r.group === 'all');
    assert.ok(own.length > 0 && own.every((r) => r.bucket.startsWith('2026-11-18T1')), 'the incident, for the view');
    const before = demoSummary.anomalies.filter((f) => f.group === 'model:gpt-4o');
    assert.deepEqual(own.map((r) => [r.metric, r.bucket]).sort(), before.map((f) => [f.metric, f.bucket_start]).sort());
    assert.equal(await page.textContent('#anomalies-count'), String(only.anomalies.length));
    assert.ok((await marks(page)).every((m) => m.count > 0));

    // Back to every model: the demo's flags again.
    await page.selectOption('#filter-model', '');
    await waitReady(page);
    await waitAnomalies(page);
    assertSameFlags(await anomalyRows(page), demoSummary.anomalies, 'demo again');
    assert.deepEqual(problems.pageErrors, []);
    await page.close();
  });

  test('(c) reasons and group names from the log are shown as text, never as HTML', { timeout: TIMEOUT }, async () => {
    // The demo with gpt-4o renamed to markup: its flags name it in their group and reason.
    const lines = readLines(DEMO).map((l) => {
      const rec = JSON.parse(l);
      if (rec.model_name === 'gpt-4o') rec.model_name = XSS_MODEL;
      return JSON.stringify(rec);
    });
    const file = writeLines('demo-markup.jsonl', lines);
    const s = summaryJson(file);
    assert.ok(s.anomalies.some((f) => f.reason.includes(XSS_MODEL)), 'a reason names the model');

    const { page, problems } = await openPage();
    const imgsBefore = await page.$$eval('img', (els) => els.length);
    await dropFile(page, file);
    await waitReady(page);
    await waitAnomalies(page);
    const rows = await anomalyRows(page);
    assertSameFlags(rows, s.anomalies, 'markup');
    const named = rows.filter((r) => r.group === `model:${XSS_MODEL}`);
    assert.ok(named.length > 0);
    for (const r of named) {
      assert.deepEqual(r.groupNames, [XSS_MODEL], 'the name, literally');
      assert.ok(r.reason.includes(XSS_MODEL), 'the reason, literally');
    }
    // Reason cells hold text only; the panel holds only the elements the page makes.
    assert.ok(rows.every((r) => r.reasonElements === 0), 'no element inside a reason cell');
    const tags = await page.$$eval('#anomalies *', (els) => [...new Set(els.map((e) => e.tagName))].sort());
    assert.deepEqual(tags.filter((t) => !['BUTTON', 'DIV', 'H2', 'P', 'SPAN', 'TABLE', 'TBODY', 'TD', 'TH', 'THEAD', 'TR'].includes(t)), []);
    const markChildren = await page.$$eval('.chart-marks *', (els) => els.map((e) => e.childElementCount));
    assert.ok(markChildren.every((n) => n === 0), 'marks hold no elements');
    assert.equal(await page.$$eval('img', (els) => els.length), imgsBefore, 'no img element created');
    await page.waitForTimeout(200);
    assert.deepEqual(problems.dialogs, [], 'no script ran');
    assert.deepEqual(problems.pageErrors, []);
    await page.close();
  });

  test('(d) unpriced models and logged costs off the list price are said, with the CLI\'s numbers', { timeout: TIMEOUT }, async () => {
    const s = summaryJson(SMALL);
    // The fixture's facts, as the CLI counts them.
    assert.ok(s.unpriced_requests > 0 && s.unpriced_models.length > 0, 'an unpriced model');
    assert.ok(s.unpriced_models.some((m) => m.model === 'llama-3.1-70b'));
    assert.ok(s.cost_mismatch_count > 0, 'logged costs off the list price');
    assert.ok(s.cost_computed_count > 0 && s.cost_computed_count < s.cost_count, 'some costs computed');

    const { page, problems } = await openPage();
    await dropFile(page, SMALL);
    await waitReady(page);
    assert.ok(Math.abs(Number(await kpiValue(page, 'cost_usd')) - s.cost_usd) <= 1e-9 * s.cost_usd, 'cost = CLI');

    // The note under the KPIs: each warning in full.
    assert.equal(await page.isVisible('#cost-note'), true);
    const notes = await page.$$eval('#cost-note .cost-warning', (ps) => ps.map((p) => ({ kind: p.dataset.kind, text: p.textContent })));
    assert.deepEqual(notes.map((n) => n.kind), ['unpriced', 'mismatch']);
    const n = s.unpriced_models.length;
    const names = s.unpriced_models.map((m) => m.model).join(', ');
    assert.equal(notes[0].text,
      `${s.unpriced_requests} request${s.unpriced_requests === 1 ? '' : 's'} of ${n} unpriced model${n === 1 ? '' : 's'}: ${names} — cost unknown, not counted`);
    const m = /^(\d+) requests' logged cost differs from list price by >1% \(Σ ([+−])\$([\d.]+)\)$/.exec(notes[1].text);
    assert.ok(m, `mismatch warning: ${notes[1].text}`);
    assert.equal(Number(m[1]), s.cost_mismatch_count);
    const sigma = (m[2] === '−' ? -1 : 1) * Number(m[3]);
    assert.ok(Math.abs(sigma - s.cost_mismatch_usd) <= 0.0005 + 1e-9, `Σ ${sigma} vs CLI ${s.cost_mismatch_usd}`);

    // The card: the computed share (rounded) and the warnings in short.
    const sub = await page.textContent('[data-kpi="cost_usd"] .kpi-sub');
    const share = /^([\d.]+)% computed from list prices$/.exec(sub);
    assert.ok(share, `cost sub-line: ${sub}`);
    assert.ok(Math.abs(Number(share[1]) - (100 * s.cost_computed_count) / s.cost_count) <= 0.5, `share ${share[1]}%`);
    assert.deepEqual(await page.$$eval('[data-kpi="cost_usd"] .kpi-flags span', (ss) => ss.map((x) => x.textContent)),
      [`${s.unpriced_requests} unpriced`, `${s.cost_mismatch_count} ≠ list price`]);

    // The tables: each cost cell tagged as the CLI's per-model figures say.
    const rows = await page.$$eval('#by-model tbody tr', (trs) => trs.map((tr) => {
      const cost = tr.children[9];
      return { name: tr.dataset.name, value: cost.dataset.value, tags: cost.dataset.tags || '', tagText: [...cost.querySelectorAll('.tag')].map((t) => t.textContent) };
    }));
    assert.deepEqual(rows.map((r) => r.name), s.by_model.map((x) => x.model));
    for (const [i, x] of s.by_model.entries()) {
      const want = [x.unpriced_requests > 0 && 'unpriced', x.cost_computed_count > 0 && 'computed', x.cost_mismatch_count > 0 && 'mismatch'].filter(Boolean);
      assert.equal(rows[i].tags, want.join(' '), `${x.model}: tags`);
      assert.equal(rows[i].value, x.cost_usd === null ? '' : String(x.cost_usd), `${x.model}: cost`);
    }
    const llama = rows.find((r) => r.name === 'llama-3.1-70b');
    assert.deepEqual(llama.tagText, ['unpriced']);
    await page.locator('.kpis').screenshot({ path: path.join(OUT, 'cost-kpis.png') });
    await page.screenshot({ path: path.join(OUT, 'cost-hints.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: path.join(OUT, 'cost-hints-dark.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'light' });

    // A filter to the unpriced model: its cost is unknown, and the card says why.
    await page.selectOption('#filter-model', 'llama-3.1-70b');
    await waitReady(page);
    assert.equal(await kpiValue(page, 'cost_usd'), '');
    assert.equal(await page.textContent('[data-kpi="cost_usd"] .kpi-value'), '—');
    assert.equal(await page.textContent('[data-kpi="cost_usd"] .kpi-sub'), 'models not priced');
    assert.deepEqual(await page.$$eval('#cost-note .cost-warning', (ps) => ps.map((p) => p.dataset.kind)), ['unpriced']);
    assert.deepEqual(problems.pageErrors, []);
    await page.close();
  });

  test('(e) an export without costs: all computed from list prices, no warning, no anomaly', { timeout: TIMEOUT }, async () => {
    const s = summaryJson(BATCH);
    assert.equal(s.cost_computed_count, s.cost_count);
    assert.equal(s.unpriced_requests, 0);
    assert.equal(s.cost_mismatch_count, 0);
    assert.deepEqual(s.anomalies, []);

    const { page, problems } = await openPage();
    await dropFile(page, BATCH);
    await waitReady(page);
    await waitAnomalies(page);
    assert.ok(Math.abs(Number(await kpiValue(page, 'cost_usd')) - s.cost_usd) <= 1e-9 * s.cost_usd, 'cost = CLI');
    assert.equal(await page.textContent('[data-kpi="cost_usd"] .kpi-sub'), 'all computed from list prices');
    assert.equal(await page.isVisible('[data-kpi="cost_usd"] .kpi-flags'), false);
    assert.equal(await page.isVisible('#cost-note'), false);
    assert.equal(await page.textContent('#anomalies-empty'), 'No anomalies in this view');
    assert.equal(await page.isVisible('#anomalies-empty'), true);
    assert.equal(await page.textContent('#anomalies-count'), '0');
    assert.equal(await page.$$eval('.chart-marks .mark', (ms) => ms.length), 0);
    await page.screenshot({ path: path.join(OUT, 'cost-batch.png'), fullPage: true });
    assert.deepEqual(problems.pageErrors, []);
    await page.close();
  });

  test('(f) no request leaves 127.0.0.1', () => {
    assertLocalOnly(harness);
  });
});
