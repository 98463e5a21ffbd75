// Browser side: time from choosing a file in #file-input to a drawn dashboard
// (body[data-state=ready]), in Debian's headless Chromium, median of N runs; plus the
// page's time to interactive and the wasm size.
//
//   node bench/browser.mjs --url http://127.0.0.1:8090/ --runs 5 FILE [FILE...]
//
// Prints one JSON object per file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const args = process.argv.slice(2);
let url = 'http://127.0.0.1:8090/';
let runs = 5;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--url') url = args[++i];
  else if (args[i] === '--runs') runs = Number(args[++i]);
  else files.push(args[i]);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const dir = mkdtempSync(join(tmpdir(), 'tokenlens-bench-'));
const ctx = await chromium.launchPersistentContext(dir, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1366, height: 768 },
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

async function freshPage() {
  const page = await ctx.newPage();
  const t0 = Date.now();
  await page.goto(url);
  // Interactive: the file input can be used (module graph and wasm loaded by then).
  await page.waitForFunction(() => document.body.dataset.state !== 'loading'
    && document.querySelector('#file-input'), null, { polling: 'raf' });
  return { page, interactiveMs: Date.now() - t0 };
}

try {
  const tti = [];
  for (const file of files) {
    const times = [];
    for (let r = 0; r < runs; r++) {
      const { page, interactiveMs } = await freshPage();
      tti.push(interactiveMs);
      // Let the worker finish starting so only ingest + dashboard is timed.
      await page.waitForTimeout(300);
      const t0 = Date.now();
      await page.setInputFiles('#file-input', file);
      await page.waitForFunction(() => document.body.dataset.state === 'ready'
        && document.querySelector('[data-kpi="requests"]')?.dataset.value,
      null, { polling: 'raf', timeout: 600_000 });
      times.push(Date.now() - t0);
      const requests = await page.$eval('[data-kpi="requests"]', (e) => Number(e.dataset.value));
      await page.close();
      if (!(requests > 0)) throw new Error(`no records loaded from ${file}`);
    }
    console.log(JSON.stringify({ file, runs, ingest_to_dashboard_ms: median(times), all_ms: times }));
  }
  console.log(JSON.stringify({ page_interactive_ms: median(tti) }));
} finally {
  await ctx.close();
  rmSync(dir, { recursive: true, force: true });
}
