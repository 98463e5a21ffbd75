// A fresh engine's first load of a file, as the page's worker does it (the warm-up, the
// file's size told, its bytes fed in 1 MiB chunks, the finish, the first dashboard), in
// Node (the same V8 as Chromium), with the page faults and CPU time of the finish: a
// person's first file pays for memory touched for the first time and for code not yet
// optimised, which bench/feed.mjs (the minimum of several loads) does not show. LOADS > 1
// loads the file again in new engines of the same module, for the difference. A development
// aid; the browser figures in BENCHMARKS.md come from bench/run.sh.
//
//   node bench/first-load.mjs pkg bench/data/article-1000000.jsonl [warm-up records]
//   LOADS=2 node bench/first-load.mjs pkg bench/data/article-1000000.jsonl
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';

const [pkgDir, file, warmArg] = process.argv.slice(2);
const warm = Number(warmArg ?? 10000);
const loads = Number(process.env.LOADS || 1);
const pkg = pathToFileURL(resolve(pkgDir)).href + '/';
const { initSync, Engine, warm_up } = await import(pkg + 'tokenlens.js');
initSync({ module: readFileSync(new URL('tokenlens_bg.wasm', pkg)) });
const bytes = readFileSync(file);

let t = performance.now();
if (warm > 0) warm_up(warm);
console.log(`warm-up of ${warm} records: ${(performance.now() - t).toFixed(0)} ms`);
for (let load = 1; load <= loads; load++) {
  const engine = new Engine();
  engine.start_file(file);
  engine.expect_bytes(bytes.length);
  t = performance.now();
  for (let i = 0; i < bytes.length; i += 1 << 20) engine.feed(bytes.subarray(i, i + (1 << 20)));
  const feed = performance.now() - t;
  const before = process.resourceUsage();
  t = performance.now();
  engine.finish();
  const finish = performance.now() - t;
  const after = process.resourceUsage();
  t = performance.now();
  engine.dashboard_json({ tz: 'UTC' });
  const dashboard = performance.now() - t;
  const cpu = (k) => ((after[k] - before[k]) / 1000).toFixed(0);
  console.log(`load ${load}: feed ${feed.toFixed(0)} ms, finish ${finish.toFixed(0)} ms`
    + ` (${after.minorPageFault - before.minorPageFault} page faults, user ${cpu('userCPUTime')} ms,`
    + ` system ${cpu('systemCPUTime')} ms), first dashboard ${dashboard.toFixed(0)} ms`);
  engine.free();
}
