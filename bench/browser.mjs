// Browser side, in one headless Chromium (Debian's), median of N runs per file:
// - tokenlens: time from choosing a file in #file-input to a drawn dashboard
//   (body[data-state=ready]); then the re-aggregation after choosing a model in
//   #filter-model (data-state goes loading -> ready, charts redrawn); the page's time to
//   interactive.
// - with --peer-url, the DuckDB-WASM peer page (bench/duckdb/, served by
//   bench/serve-bench.mjs) on the same files in the same browser, runs interleaved with
//   tokenlens': its start-up (instantiate + open + connect), file chosen -> ingest + the
//   dashboard's queries done, and the same re-aggregation for the same model.
// Both pages' figures (requests, p95) are checked against each other.
//
//   node bench/browser.mjs --url http://127.0.0.1:8090/ [--peer-url http://127.0.0.1:8091/duckdb/]
//        [--runs 5] [--model NAME] FILE [FILE...]
//
// Prints one JSON object per file and engine, then the pages' times to interactive.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const args = process.argv.slice(2);
let url = 'http://127.0.0.1:8090/';
let peerUrl = null;
let runs = 5;
let model = null;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--url') url = args[++i];
  else if (args[i] === '--peer-url') peerUrl = args[++i];
  else if (args[i] === '--runs') runs = Number(args[++i]);
  else if (args[i] === '--model') model = args[++i];
  else files.push(args[i]);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round1 = (x) => Math.round(x * 10) / 10;
const LONG = 900_000;

const dir = mkdtempSync(join(tmpdir(), 'tokenlens-bench-'));
const ctx = await chromium.launchPersistentContext(dir, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1366, height: 768 },
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

async function freshPage(pageUrl, interactive) {
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const t0 = Date.now();
  await page.goto(pageUrl);
  await page.waitForFunction(interactive, null, { polling: 'raf', timeout: LONG });
  return { page, interactiveMs: Date.now() - t0, errors };
}

/** Chooses `value` in #filter-model; ms (timed in the page) until data-state is 'ready' again. */
function reaggregate(page, value) {
  return page.evaluate((v) => new Promise((resolve, reject) => {
    const select = document.getElementById('filter-model');
    const body = document.body;
    const obs = new MutationObserver(() => {
      const s = body.dataset.state;
      if (s === 'ready' || s === 'error') {
        obs.disconnect();
        if (s === 'ready') resolve(performance.now() - t0);
        else reject(new Error(`page error after choosing ${v}: ${body.dataset.error || document.getElementById('error')?.textContent}`));
      }
    });
    obs.observe(body, { attributes: true, attributeFilter: ['data-state'] });
    const t0 = performance.now();
    select.value = v;
    if (select.value !== v) reject(new Error(`no option ${v} in #filter-model`));
    select.dispatchEvent(new Event('change', { bubbles: true }));
  }), value);
}

/** The model to filter on: --model, else the first one the page offers. */
async function pickModel(page) {
  const options = await page.$$eval('#filter-model option', (os) => os.map((o) => o.value).filter(Boolean));
  if (model !== null) {
    if (!options.includes(model)) throw new Error(`--model ${model} is not in the data (${options.join(', ')})`);
    return model;
  }
  return options[0];
}

/** One tokenlens run: {loadMs, reaggMs, model, requests, p95, modelRequests, interactiveMs}. */
async function tokenlensRun(file) {
  const { page, interactiveMs, errors } = await freshPage(url, () => document.body.dataset.state !== 'loading'
    && document.querySelector('#file-input'));
  try {
    // Let the worker finish starting so only ingest + dashboard is timed.
    await page.waitForTimeout(300);
    const t0 = Date.now();
    await page.setInputFiles('#file-input', file);
    await page.waitForFunction(() => document.body.dataset.state === 'ready'
      && document.querySelector('[data-kpi="requests"]')?.dataset.value,
    null, { polling: 'raf', timeout: LONG });
    const loadMs = Date.now() - t0;
    const kpi = (name) => page.$eval(`[data-kpi="${name}"]`, (e) => Number(e.dataset.value));
    const requests = await kpi('requests');
    const p95 = await kpi('p95_ms');
    if (!(requests > 0)) throw new Error(`no records loaded from ${file}`);
    const m = await pickModel(page);
    const reaggMs = await reaggregate(page, m);
    const modelRequests = await kpi('requests');
    if (errors.length) throw new Error(`tokenlens page errors: ${errors.join('; ')}`);
    return { loadMs, reaggMs, model: m, requests, p95, modelRequests, interactiveMs };
  } finally {
    await page.close();
  }
}

/** One DuckDB-WASM run: the peer page's own timings plus the same outside ones. */
async function peerRun(file, m) {
  const { page, interactiveMs, errors } = await freshPage(peerUrl,
    () => ['empty', 'error'].includes(document.body.dataset.state));
  try {
    const data = () => page.evaluate(() => ({ ...document.body.dataset }));
    let d = await data();
    if (d.state === 'error') throw new Error(`DuckDB-WASM did not start: ${d.error}`);
    await page.waitForTimeout(300);
    const t0 = Date.now();
    await page.setInputFiles('#file-input', file);
    await page.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset.state),
      null, { polling: 'raf', timeout: LONG });
    const loadMs = Date.now() - t0;
    d = await data();
    if (d.state === 'error') throw new Error(`DuckDB-WASM failed on ${file}: ${d.error}`);
    const loaded = d;
    const reaggMs = await reaggregate(page, m);
    d = await data();
    if (errors.length) throw new Error(`peer page errors: ${errors.join('; ')}`);
    return {
      interactiveMs,
      startupMs: Number(loaded.startupMs),
      instantiateMs: Number(loaded.instantiateMs),
      loadMs,
      ingestMs: Number(loaded.ingestMs),
      prepMs: Number(loaded.prepMs),
      queriesMs: Number(loaded.queriesMs),
      reaggMs,
      requests: Number(loaded.requests),
      p95: Number(loaded.p95Ms),
      modelRequests: Number(d.requests),
      skipped: Number(loaded.skipped),
      version: loaded.version,
      bundle: loaded.bundle,
      bucketSecs: Number(loaded.bucketSecs),
    };
  } finally {
    await page.close();
  }
}

function check(file, t, p) {
  const close = (a, b) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  if (t.requests !== p.requests || t.modelRequests !== p.modelRequests || !close(t.p95, p.p95)) {
    throw new Error(`${file}: tokenlens and DuckDB-WASM disagree: requests ${t.requests} / ${p.requests}, `
      + `${t.model} ${t.modelRequests} / ${p.modelRequests}, p95 ${t.p95} / ${p.p95}`);
  }
}

try {
  const tti = [];
  const peerTti = [];
  for (const file of files) {
    const tl = [];
    const peer = [];
    for (let r = 0; r < runs; r++) {
      const t = await tokenlensRun(file);
      tl.push(t);
      tti.push(t.interactiveMs);
      if (peerUrl) {
        const p = await peerRun(file, t.model);
        check(file, t, p);
        peer.push(p);
        peerTti.push(p.interactiveMs);
      }
    }
    const times = tl.map((t) => t.loadMs);
    console.log(JSON.stringify({
      file, runs, ingest_to_dashboard_ms: median(times), all_ms: times,
      records: tl[0].requests, model: tl[0].model, model_records: tl[0].modelRequests,
      reaggregate_ms: round1(median(tl.map((t) => t.reaggMs))),
      reaggregate_all_ms: tl.map((t) => round1(t.reaggMs)),
    }));
    if (peerUrl) {
      const med = (k) => round1(median(peer.map((p) => p[k])));
      console.log(JSON.stringify({
        engine: 'duckdb-wasm', version: peer[0].version, bundle: peer[0].bundle, file, runs,
        records: peer[0].requests, skipped: peer[0].skipped, model: tl[0].model,
        bucket_secs: peer[0].bucketSecs,
        startup_ms: med('startupMs'), instantiate_ms: med('instantiateMs'),
        ingest_queries_ms: med('loadMs'), ingest_ms: med('ingestMs'), prepass_ms: med('prepMs'),
        queries_ms: med('queriesMs'), reaggregate_ms: med('reaggMs'),
        all_startup_ms: peer.map((p) => round1(p.startupMs)),
        all_ingest_queries_ms: peer.map((p) => p.loadMs),
        reaggregate_all_ms: peer.map((p) => round1(p.reaggMs)),
      }));
    }
  }
  console.log(JSON.stringify({ page_interactive_ms: median(tti) }));
  if (peerUrl) console.log(JSON.stringify({ peer_page_interactive_ms: median(peerTti) }));
} finally {
  await ctx.close();
  rmSync(dir, { recursive: true, force: true });
}
