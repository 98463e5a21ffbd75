// Import speed of the wasm engine alone, in Node (the same V8 as Chromium), without the
// page or the worker: feeds a file already in memory to the lean engine in 1 MiB chunks,
// then finishes the import; prints the min and median of RUNS. A development aid for
// comparing two builds of the engine (PKG: a wasm-bindgen --target web output directory);
// the browser figures in BENCHMARKS.md come from bench/run.sh.
//
//   node bench/feed.mjs pkg bench/data/article-1000000.csv [runs]
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';

const [pkgDir, file, runsArg] = process.argv.slice(2);
const runs = Number(runsArg || 5);
const pkg = pathToFileURL(resolve(pkgDir)).href + '/';
const { initSync, Engine } = await import(pkg + 'tokenlens.js');
initSync({ module: readFileSync(new URL('tokenlens_bg.wasm', pkg)) });

const bytes = readFileSync(file);
const CHUNK = 1 << 20;
const feed = [];
const finish = [];
let records = 0;
for (let r = 0; r < runs; r++) {
  const engine = new Engine();
  engine.start_file(file);
  let t = performance.now();
  for (let i = 0; i < bytes.length; i += CHUNK) engine.feed(bytes.subarray(i, i + CHUNK));
  feed.push(performance.now() - t);
  t = performance.now();
  records = engine.finish().records;
  finish.push(performance.now() - t);
  engine.free();
}
const show = (xs) => {
  const s = xs.slice().sort((a, b) => a - b);
  return `min ${s[0].toFixed(0)} ms, median ${s[s.length >> 1].toFixed(0)} ms`;
};
console.log(`${records} records; feed ${show(feed)}; finish ${show(finish)}`);
