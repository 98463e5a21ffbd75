// The wasm engine's memory at each stage of a load made as the page's worker makes it, in
// Node: the warm-up, this worker's half of the file fed in 1 MiB chunks (room made for the
// whole file), a helper engine (its own instance) reading the other half from a record's
// start and handing its rows over in pieces, the finish, the first dashboard, then the
// anomaly flags, the default alerts and the drill-down list the page asks for after it,
// then all of them again (memory should not grow). Wasm memory grows to its peak and never
// shrinks, so what the browser benchmark reports is the highest of these. A development
// aid; the browser figures in BENCHMARKS.md come from bench/run.sh.
//
//   node bench/memory.mjs pkg bench/data/article-1000000.jsonl
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [pkgDir, file] = process.argv.slice(2);
const pkg = pathToFileURL(resolve(pkgDir)).href + '/';
const wasmBytes = readFileSync(new URL('tokenlens_bg.wasm', pkg));
// Two instances of the module, as the page's worker and its helper have.
const main = await import(pkg + 'tokenlens.js?main');
const exports = main.initSync({ module: wasmBytes });
const helperModule = await import(pkg + 'tokenlens.js?helper');
helperModule.initSync({ module: wasmBytes });

const bytes = readFileSync(file);
main.warm_up(10000);
const format = main.sniff_format(bytes.subarray(0, 1 << 20), bytes.length <= 1 << 20, file);
if (!['jsonl', 'csv', 'tsv'].includes(format)) throw new Error(`${file}: ${format} is not read in parts`);
const memory = () => exports.memory.buffer.byteLength;
const base = memory();
let records = 0;
const show = (stage) => {
  const grown = memory() - base;
  const per = records ? `  ${(grown / records).toFixed(1)} B/record` : '';
  console.log(`${stage.padEnd(22)} ${(grown / 1e6).toFixed(1).padStart(8)} MB${per}`);
};

const head = bytes.subarray(0, 1 << 20);
const at = Math.floor(bytes.length / 2) - 1;
const cut = at + main.part_start(format, head, bytes.subarray(at, at + (1 << 20)));
const chunks = (from, to, f) => {
  for (let i = from; i < to; i += 1 << 20) f(bytes.subarray(i, Math.min(to, i + (1 << 20))));
};

const engine = new main.Engine();
engine.start_file(file);
engine.expect_bytes(bytes.length);
chunks(0, cut, (c) => engine.feed(c));
show('this worker\'s half');
const helper = new helperModule.Engine();
helper.start_part(file, format, head, cut);
const pieces = [];
chunks(cut, bytes.length, (c) => {
  helper.feed(c);
  if (helper.part_rows() >= 1 << 16) pieces.push(helper.take_part_rows());
});
pieces.push(helper.finish_part());
for (const piece of pieces) engine.append_part(piece);
show('helper\'s rows appended');
records = engine.finish().records;
show('finished');
const view = { tz: 'UTC' };
const stages = () => {
  engine.dashboard_json({ ...view, models: [], applications: [] });
  show('dashboard');
  engine.anomalies(view);
  show('anomaly flags');
  engine.alerts(view);
  show('alerts');
  engine.requests(view, 'slowest', 50);
  show('requests');
};
stages();
console.log('again:');
stages();
