#!/usr/bin/env node
// Static server for the DuckDB-WASM peer page of the browser benchmark (bench only; the
// product's server is scripts/serve.mjs). Serves bench/duckdb/ at /duckdb/ and
// bench/node_modules/ (DuckDB-WASM's bundles, apache-arrow and its dependencies) at
// /node_modules/, with the right MIME types (application/wasm for the wasm module), on
// 127.0.0.1 only, nothing else. Everything is local: the peer page never needs the internet.
//
//   node bench/serve-bench.mjs [--port N]        (--port 0 picks a free port)
//
// Prints "serve-bench: serving http://127.0.0.1:PORT/" on stdout; failed requests (and every
// request with SERVE_BENCH_LOG=1) on stderr.

import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const MOUNTS = [
  { prefix: '/duckdb/', dir: path.join(BENCH, 'duckdb') },
  { prefix: '/node_modules/', dir: path.join(BENCH, 'node_modules') },
];
const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
};

let port = 8091;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--port') port = Number(argv[++i]);
  else {
    console.error(`serve-bench.mjs: unknown argument ${argv[i]}`);
    process.exit(2);
  }
}

function resolve(urlPath) {
  let p;
  try {
    p = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (p === '/') p = '/duckdb/';
  if (p.includes('\0')) return null;
  for (const { prefix, dir } of MOUNTS) {
    if (!p.startsWith(prefix)) continue;
    let rel = p.slice(prefix.length);
    if (rel === '' || rel.endsWith('/')) rel += 'index.html';
    const full = path.resolve(dir, rel);
    return full.startsWith(dir + path.sep) ? full : null;
  }
  return undefined; // Not under a mount: 404.
}

const verbose = process.env.SERVE_BENCH_LOG === '1';
const server = http.createServer((req, res) => {
  if (verbose) console.error(`serve-bench: ${req.method} ${req.url}`);
  const file = resolve((req.url || '/').split(/[?#]/, 1)[0]);
  const fail = (status) => {
    console.error(`serve-bench: ${status} ${req.method} ${req.url}`);
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(`${status}\n`);
  };
  if (req.method !== 'GET' && req.method !== 'HEAD') return fail(405);
  if (file === null) return fail(403);
  if (file === undefined) return fail(404);
  fs.stat(file, (err, st) => {
    if (err || !st.isFile()) return fail(404);
    res.writeHead(200, {
      'Content-Type': MIME[path.extname(file).toLowerCase()] || 'application/octet-stream',
      'Content-Length': st.size,
      'Cache-Control': 'no-store',
    });
    if (req.method === 'HEAD') return res.end();
    fs.createReadStream(file).on('error', () => res.destroy()).pipe(res);
  });
});
server.on('error', (e) => {
  console.error(`serve-bench.mjs: ${e.message}`);
  process.exit(1);
});
server.listen(port, '127.0.0.1', () => {
  console.log(`serve-bench: serving http://127.0.0.1:${server.address().port}/`);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
