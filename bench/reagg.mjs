// Re-aggregation of the wasm engine alone, in Node (the same V8 as Chromium), without the
// page: loads a file into the lean engine, then times `Engine.dashboard_json` (what the
// worker hands the page) for the views the page asks after a filter change, then the anomaly
// flags and the default rules' alerts (which the page asks for after each dashboard). A
// development aid for the engine; the browser figures in BENCHMARKS.md come from bench/run.sh.
//
//   node bench/reagg.mjs bench/data/article-1000000.jsonl [runs]
import { readFileSync, openSync, readSync, closeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { initSync, Engine } from '../pkg/tokenlens.js';

const [file, runsArg] = process.argv.slice(2);
const runs = Number(runsArg || 7);
initSync({ module: readFileSync(new URL('../pkg/tokenlens_bg.wasm', import.meta.url)) });

const engine = new Engine();
const t0 = performance.now();
engine.start_file(file);
const fd = openSync(file, 'r');
const buf = Buffer.alloc(4 << 20);
for (;;) {
  const n = readSync(fd, buf, 0, buf.length, null);
  if (n === 0) break;
  engine.feed(buf.subarray(0, n));
}
closeSync(fd);
const report = engine.finish();
console.log(`loaded ${report.records} records in ${(performance.now() - t0).toFixed(0)} ms`);

const first = JSON.parse(engine.dashboard_json({ tz: 'UTC' }));
const model = first.by_model[0].model;
const last = Date.parse(first.summary.last_ts);
const views = {
  'no filter': { tz: 'UTC' },
  [`model ${model}`]: { tz: 'UTC', models: [model] },
  'last 24 h': { tz: 'UTC', from_ms: last - 86400000, to_ms: last + 1 },
  'New York, 1 h buckets': { tz: 'America/New_York', bucket: '1h' },
};
const median = (xs) => xs.slice().sort((a, b) => a - b)[xs.length >> 1];
const time = (name, f) => {
  const times = [];
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    f();
    times.push(performance.now() - t);
  }
  console.log(`${name.padEnd(40)} median ${median(times).toFixed(1)} ms  (min ${Math.min(...times).toFixed(1)})`);
};
for (const [name, view] of Object.entries(views)) time(name, () => engine.dashboard_json(view));
engine.set_rules('');
time('anomalies (no filter)', () => engine.anomalies({ tz: 'UTC' }));
time('alerts, default rules (no filter)', () => engine.alerts({ tz: 'UTC' }));
