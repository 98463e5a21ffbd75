// Shared code of the browser tests: the static server on a free 127.0.0.1 port, Chromium
// (Debian's, driven by playwright-core) with every request recorded, and page helpers
// (dropping files, reading KPIs, charts, the Requests list and the drill-down drawer).
// Expected numbers come from the native CLI (`tokenlens summary --json`).

import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = path.join(ROOT, 'target', 'release', 'tokenlens');
export const PKG_JS = path.join(ROOT, 'pkg', 'tokenlens.js');
export const DEMO = path.join(ROOT, 'www', 'demo.jsonl');
export const OUT = path.join(ROOT, 'test-output');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

// ---------- CLI and files ----------

export function cli(...args) {
  return execFileSync(CLI, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
}

/** `tokenlens summary FILE... [OPTIONS] --json`: `args` are file paths and options. */
export function summaryJson(...args) {
  return JSON.parse(cli('summary', ...args, '--json'));
}

/** A new page of the harness's browser at its origin, with page errors and dialogs recorded. */
export async function openPage(harness, { dpr } = {}) {
  const { context, origin } = harness;
  const page = await context.newPage();
  if (dpr) {
    // A HiDPI screen, set before the page loads (headless Chromium does not tell a page
    // that its pixel ratio changed later).
    const cdp = await context.newCDPSession(page);
    await cdp.send('Emulation.setDeviceMetricsOverride', { width: 1366, height: 768, deviceScaleFactor: dpr, mobile: false });
  }
  const problems = { pageErrors: [], dialogs: [] };
  page.on('pageerror', (e) => problems.pageErrors.push(String(e)));
  page.on('dialog', (d) => {
    problems.dialogs.push(d.message());
    d.dismiss().catch(() => {});
  });
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => window.tokenlensDebug !== undefined);
  return { page, problems };
}

export async function state(page) {
  return page.evaluate(() => document.body.dataset.state);
}

export async function errorText(page) {
  return page.evaluate(() => document.getElementById('error').textContent);
}

/** Waits for ready (or error, which fails with the page's message). */
export async function waitReady(page, timeout = 90_000) {
  await page.waitForFunction(
    () => ['ready', 'error'].includes(document.body.dataset.state), null, { timeout, polling: 50 },
  );
  const s = await state(page);
  assert.equal(s, 'ready', `expected state ready, got ${s}: ${await errorText(page)}`);
}

/** Builds a File in the page from the bytes of `filePath` and drops it on the body. */
export async function dropFile(page, filePath, name = path.basename(filePath), repeat = 1) {
  await dropFiles(page, [{ path: filePath, name, repeat }]);
}

/**
 * Builds Files in the page from the bytes of each file (a path, or {path, name, repeat})
 * and drops them all at once on the body.
 */
export async function dropFiles(page, files) {
  const specs = files.map((f) => (typeof f === 'string' ? { path: f } : f));
  await page.evaluate(() => { window.__testFiles = []; });
  for (const spec of specs) {
    const buf = fs.readFileSync(spec.path);
    await page.evaluate(() => { window.__testParts = []; });
    const CHUNK = 3 << 20;
    for (let off = 0; off < buf.length; off += CHUNK) {
      await page.evaluate((b64) => {
        const bin = atob(b64);
        const bytes = new Uint8Array(bin.length);
        for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
        window.__testParts.push(bytes);
      }, buf.subarray(off, off + CHUNK).toString('base64'));
    }
    await page.evaluate(([fileName, times]) => {
      const parts = [];
      for (let i = 0; i < times; i++) parts.push(...window.__testParts);
      delete window.__testParts;
      window.__testFiles.push(new File(parts, fileName, { type: 'application/x-ndjson' }));
    }, [spec.name || path.basename(spec.path), spec.repeat || 1]);
  }
  await page.evaluate(() => {
    const dt = new DataTransfer();
    for (const file of window.__testFiles) dt.items.add(file);
    delete window.__testFiles;
    for (const type of ['dragenter', 'dragover', 'drop']) {
      document.body.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
    }
  });
}

export async function kpis(page) {
  return page.$$eval('[data-kpi]', (els) => els.map((e) => ({
    kpi: e.dataset.kpi,
    value: e.dataset.value,
    text: e.querySelector('.kpi-value').textContent,
  })));
}

export async function kpiValue(page, name) {
  return page.$eval(`[data-kpi="${name}"]`, (e) => e.dataset.value);
}

export const EXACT = new Set(['requests', 'input_tokens', 'output_tokens']);
export const KPI_FROM_SUMMARY = {
  requests: (s) => s.requests,
  error_rate: (s) => s.error_rate,
  p50_ms: (s) => s.latency_ms?.p50 ?? null,
  p95_ms: (s) => s.latency_ms?.p95 ?? null,
  p99_ms: (s) => s.latency_ms?.p99 ?? null,
  ttft_p50: (s) => s.ttft_ms?.p50 ?? null,
  ttft_p95: (s) => s.ttft_ms?.p95 ?? null,
  input_tokens: (s) => s.input_tokens,
  output_tokens: (s) => s.output_tokens,
  cost_usd: (s) => s.cost_usd,
  throughput_rps: (s) => s.throughput_rps,
  tokens_per_s: (s) => s.tokens_per_s,
  thumbs_up: (s) => s.quality?.thumbs_up_rate ?? null,
  hallucination: (s) => s.quality?.hallucination_rate ?? null,
  safety: (s) => s.quality?.safety_violation_rate ?? null,
};

export function assertKpisMatch(cards, summary) {
  const names = cards.map((c) => c.kpi);
  for (const required of ['requests', 'error_rate', 'p50_ms', 'p95_ms', 'p99_ms', 'input_tokens', 'output_tokens', 'cost_usd']) {
    assert.ok(names.includes(required), `KPI ${required} missing from the page`);
  }
  for (const card of cards) {
    const from = KPI_FROM_SUMMARY[card.kpi];
    assert.ok(from, `no CLI counterpart known for KPI ${card.kpi}`);
    const want = from(summary);
    if (want === null || want === undefined) {
      assert.equal(card.value, '', `${card.kpi}: CLI says null, page data-value is ${card.value}`);
      assert.equal(card.text, '—', `${card.kpi}: null must show as —`);
      continue;
    }
    assert.notEqual(card.value, '', `${card.kpi}: page shows null, CLI says ${want}`);
    const got = Number(card.value);
    if (EXACT.has(card.kpi)) {
      assert.equal(got, want, `${card.kpi}: page ${got} != CLI ${want}`);
    } else {
      const tol = 1e-9 * Math.max(Math.abs(want), Number.MIN_VALUE);
      assert.ok(Math.abs(got - want) <= tol || got === want, `${card.kpi}: page ${got} != CLI ${want} (rel 1e-9)`);
    }
    assert.ok(card.text.trim().length > 0 && card.text !== '—', `${card.kpi}: visible text missing`);
  }
}

/** Pixel statistics of every chart canvas. */
export async function chartStats(page, selector = 'canvas[data-chart]') {
  return page.$$eval(selector, (cs) => cs.map((c) => {
    const ctx = c.getContext('2d');
    const { data } = ctx.getImageData(0, 0, c.width, c.height);
    const counts = new Map();
    for (let i = 0; i < data.length; i += 4) {
      const key = ((data[i] << 24) | (data[i + 1] << 16) | (data[i + 2] << 8) | data[i + 3]) >>> 0;
      counts.set(key, (counts.get(key) || 0) + 1);
    }
    let bg = 0;
    let bgCount = 0;
    for (const [k, n] of counts) if (n > bgCount) { bg = k; bgCount = n; }
    const total = data.length / 4;
    const card = c.closest('.chart-card');
    return {
      empty: !!card && card.dataset.empty !== undefined,
      name: c.dataset.chart || c.dataset.ownChart,
      width: c.width,
      height: c.height,
      cssWidth: c.getBoundingClientRect().width,
      distinct: counts.size,
      nonBackground: total ? (total - bgCount) / total : 0,
      background: bg.toString(16).padStart(8, '0'),
    };
  }));
}

export async function assertChartsDrawn(page) {
  // The page is ready once the charts in view are drawn; those out of view follow in later
  // tasks (their cards are data-stale, and blank, until then).
  await page.waitForFunction(() => !document.querySelector('.chart-card[data-stale]'), null, { timeout: 10_000 });
  const stats = await chartStats(page);
  const names = stats.map((s) => s.name).sort();
  assert.deepEqual(names, ['concurrency', 'cost_by_model', 'latency', 'latency_histogram', 'quality', 'requests', 'tokens', 'tokens_histogram'], 'chart canvases');
  const dpr = await page.evaluate(() => window.devicePixelRatio);
  // A chart with nothing to plot (quality signals the export lacks) says so instead.
  const notes = await page.$$eval('.chart-card[data-empty] .chart-empty', (ps) => ps.map((p) => p.textContent));
  assert.equal(notes.length, stats.filter((s) => s.empty).length, 'every empty chart says why');
  assert.ok(notes.every((n) => n.length > 10), `empty-chart notes: ${notes}`);
  for (const s of stats.filter((x) => !x.empty)) {
    assert.ok(s.width > 100 && s.height > 100, `${s.name}: canvas too small ${s.width}x${s.height}`);
    assert.ok(Math.abs(s.width - s.cssWidth * dpr) <= 2, `${s.name}: canvas not sized for devicePixelRatio (${s.width} vs ${s.cssWidth}×${dpr})`);
    assert.ok(s.distinct > 6, `${s.name}: only ${s.distinct} distinct colours — blank?`);
    assert.ok(s.nonBackground > 0.005, `${s.name}: only ${(s.nonBackground * 100).toFixed(2)}% non-background pixels — blank?`);
  }
  return stats;
}

export function readLines(file) {
  const text = fs.readFileSync(file, 'utf8');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Writes lines joined by "\n" (with a final newline) into `dir`; returns the path. */
export function writeLines(dir, name, lines) {
  const p = path.join(dir, name);
  fs.writeFileSync(p, lines.map((l) => `${l}\n`).join(''));
  return p;
}

/** The bytes [offset, offset + len) of a file, as text: the line a request row points at. */
export function lineAt(file, offset, len) {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(len);
    fs.readSync(fd, buf, 0, len, offset);
    return buf.toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/** Whether a log record counts as an error (README: status >= 400 or 0, or a message). */
export function isErrorRecord(rec) {
  const msg = typeof rec.error_message === 'string' ? rec.error_message.trim() : '';
  return msg !== '' || rec.status_code === 0 || rec.status_code >= 400;
}

/** Picks an order in the Requests panel and waits for its list. */
export async function showRequests(page, order) {
  await page.check(`input[name="requests-order"][value="${order}"]`);
  await waitRequests(page, order);
}

export async function waitRequests(page, order) {
  await page.waitForFunction(
    (o) => {
      const s = document.getElementById('requests');
      return (s.dataset.state === 'ready' && s.dataset.order === o) || s.dataset.state === 'error';
    },
    order, { timeout: 30_000, polling: 50 },
  );
  assert.equal(await page.$eval('#requests', (s) => s.dataset.state), 'ready', `requests list: ${await errorText(page)}`);
}

/** The rows of the Requests panel, as the page holds them. */
export async function requestRows(page) {
  return page.$$eval('#requests-table tbody tr[data-index]', (trs) => trs.map((tr) => {
    const num = (td) => (td.dataset.value === '' ? null : Number(td.dataset.value));
    const c = tr.children;
    return {
      index: Number(tr.dataset.index),
      offset: Number(tr.dataset.offset),
      len: Number(tr.dataset.len),
      file: Number(tr.dataset.file),
      error: tr.dataset.error === 'true',
      ts: c[0].dataset.value,
      model: c[1].textContent,
      application: c[2].textContent,
      latency: num(c[3]),
      status: num(c[4]),
      statusText: c[4].textContent,
      inputTokens: num(c[5]),
      outputTokens: num(c[6]),
      cost: num(c[7]),
    };
  }));
}

/** Clicks row `index` and waits for the drawer to show it. */
export async function openRequest(page, index) {
  await page.click(`#requests-table tbody tr[data-index="${index}"] td:nth-child(2)`);
  await waitDetail(page);
}

export async function waitDetail(page) {
  await page.waitForFunction(
    () => ['ready', 'raw', 'figures', 'error'].includes(document.getElementById('detail').dataset.state),
    null, { timeout: 30_000, polling: 50 },
  );
  assert.equal(await page.evaluate(() => document.getElementById('detail').open), true, 'the drawer is open');
}

/** The text of one long-text block of the drawer (input_prompt, llm_output, error_message, raw). */
export async function detailText(page, field) {
  return page.$eval(`#detail .detail-text[data-field="${field}"] pre`, (pre) => pre.textContent);
}

/** The fields table of the drawer: {name: shown text}. */
export async function detailFields(page) {
  return Object.fromEntries(await page.$$eval('#detail .detail-fields tr', (trs) => trs.map((tr) => [
    tr.dataset.field, tr.querySelector('td').textContent,
  ])));
}

export async function setUnmasked(page, on) {
  await page.setChecked('#detail-unmask', on);
  await page.waitForFunction((want) => document.getElementById('detail').dataset.masked === want, on ? 'false' : 'true');
}

// ---------- server and browser ----------

export function startServer() {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'serve.mjs'), '--port', '0', '--host', '127.0.0.1'], {
      cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`serve.mjs did not start: ${out}`)), 10_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/http:\/\/127\.0\.0\.1:(\d+)\//);
      if (m) {
        clearTimeout(timer);
        resolve({ child, origin: `http://127.0.0.1:${m[1]}` });
      }
    });
    child.stderr.on('data', (d) => { out += d; });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve.mjs exited with ${code}: ${out}`));
    });
  });
}

/**
 * Checks the built pieces, starts the static server and Chromium (a persistent profile in
 * a temporary folder, so localStorage survives a reload). Returns {origin, context,
 * requests (every URL any page or worker asked for), tmp, close()}.
 */
export async function startHarness() {
  for (const [p, hint] of [
    [CLI, 'cargo build --release --bin tokenlens'],
    [PKG_JS, 'bash scripts/build-wasm.sh'],
    [CHROMIUM, 'apt-get install chromium'],
  ]) {
    if (!fs.existsSync(p)) throw new Error(`${p} is missing; build it first: ${hint}`);
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenlens-e2e-'));
  fs.mkdirSync(OUT, { recursive: true });
  const requests = [];
  const { child: server, origin } = await startServer();
  let context;
  try {
    context = await chromium.launchPersistentContext(path.join(tmp, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1366, height: 768 },
      deviceScaleFactor: 1,
      colorScheme: 'light',
      // The page shows times in the browser's zone by default; the CLI's figures are UTC.
      timezoneId: 'UTC',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  } catch (err) {
    server.kill();
    throw err;
  }
  context.on('request', (r) => requests.push(r.url()));
  // Close the blank tab a persistent context opens with.
  for (const p of context.pages()) await p.close();
  return {
    origin,
    context,
    requests,
    tmp,
    async close() {
      await context.close().catch(() => {});
      server.kill();
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/** Asserts that every recorded request went to the harness's own origin. */
export function assertLocalOnly(harness) {
  const { requests, origin } = harness;
  assert.ok(requests.length > 0, 'requests were recorded');
  const foreign = requests.filter((u) => !(u.startsWith(`${origin}/`) || u.startsWith('data:') || u.startsWith('blob:')));
  assert.deepEqual(foreign, []);
}
