// Reads a record's source bytes back from its File, for the drill-down drawer. The import
// report says, per file, what the records' byte spans point into (`span_coding`):
//
//   plain  the file as stored: one Blob.slice.
//   gzip   the file's decompressed stream: the file is decompressed from its start, the
//          bytes before the span are dropped, the span's bytes kept, and the read stops
//          there (a late record of a large file takes a second or more).
//
// Decompression uses the browser's DecompressionStream. Chromium's stops with an error at
// the end of a gzip file's first member ("Junk found after end of compressed data"), and
// a file of several members (concatenated .gz files) is common, so on any error the read
// starts again with the page's wasm module (flate2's MultiGzDecoder, the ingest's own
// decoder, so the offsets agree by construction), which reads every member; later reads
// of that file go to it at once.
//
// This runs on the page thread, so the input is cut into 64 KiB pieces and the page gets
// a turn every few milliseconds. Measured in headless Chromium here, the last record of
// 482 MB of JSONL (64.6 MB gzip): 1.3 s in one member, 1.8 s in two (2.5 s the first
// time), with no task of 50 ms or more.

import { pageWasm, wasmErrorMessage } from './wasm.js';

/** Thrown out of a read that is no longer wanted (another record was opened). */
export class StaleRead extends Error {}

/** The longest the page thread works on a read before it lets the page run (ms). */
const SLICE_MS = 12;

/**
 * Gives the page's event loop a turn. A File's chunks and DecompressionStream's output
 * arrive as promise reactions, which never let the page paint or take input in between:
 * without this, the last record of a 482 MB gzip file held the page thread for 1.3 s.
 */
function yieldToPage() {
  if (globalThis.scheduler && typeof globalThis.scheduler.yield === 'function') return globalThis.scheduler.yield();
  return new Promise((resolve) => { setTimeout(resolve, 0); });
}

/** Files whose DecompressionStream stopped early (several members): read with wasm at once. */
const multiMember = new WeakSet();

/**
 * Collects bytes [offset, offset + len) of a stream of Uint8Array chunks. `stale()` is
 * asked between chunks. Resolves to the bytes; rejects when the stream ends before them.
 */
async function collect(chunks, offset, len, stale) {
  const out = new Uint8Array(len);
  let got = 0;
  let pos = 0;
  let since = performance.now();
  for await (const chunk of chunks) {
    if (performance.now() - since > SLICE_MS) {
      await yieldToPage();
      since = performance.now();
    }
    if (stale()) throw new StaleRead();
    const end = pos + chunk.length;
    if (end > offset) {
      const from = Math.max(0, offset - pos);
      const to = Math.min(chunk.length, offset + len - pos);
      out.set(chunk.subarray(from, to), got);
      got += to - from;
      if (got === len) return out;
    }
    pos = end;
  }
  throw new Error(`the decompressed file ends at byte ${pos}, before the record (${offset} + ${len})`);
}

/** The chunks of a ReadableStream; the stream is cancelled when the loop stops early. */
async function* chunksOf(stream) {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}

/** Pieces the compressed input is cut into: each one's decompression is a short task. */
const PIECE = 64 << 10;

/** `file`'s bytes as a stream of pieces of at most PIECE bytes. */
function piecesOf(file) {
  const reader = file.stream().getReader();
  let left = new Uint8Array(0);
  return new ReadableStream({
    async pull(controller) {
      if (left.length === 0) {
        const { value, done } = await reader.read();
        if (done) {
          controller.close();
          return;
        }
        left = value;
      }
      controller.enqueue(left.subarray(0, PIECE));
      left = left.subarray(PIECE);
    },
    cancel: (why) => reader.cancel(why),
  });
}

/** The decompressed chunks of `file` by the page's wasm module (every gzip member). */
async function* wasmGunzip(file) {
  const mod = await pageWasm();
  const gz = new mod.Gunzip();
  try {
    for await (const chunk of chunksOf(piecesOf(file))) {
      let out;
      try {
        out = gz.push(chunk);
      } catch (err) {
        throw new Error(wasmErrorMessage(mod, err));
      }
      if (out.length > 0) yield out;
    }
  } finally {
    gz.free();
  }
}

/** Bytes [offset, offset + len) of the decompressed stream of the gzip `file`. */
async function gunzipSpan(file, offset, len, stale) {
  if (typeof DecompressionStream === 'function' && !multiMember.has(file)) {
    try {
      return await collect(chunksOf(piecesOf(file).pipeThrough(new DecompressionStream('gzip'))), offset, len, stale);
    } catch (err) {
      if (err instanceof StaleRead) throw err;
      // A second member (or damage, which the wasm decoder then reports): read it again.
      multiMember.add(file);
    }
  }
  return collect(wasmGunzip(file), offset, len, stale);
}

/**
 * The text of bytes [offset, offset + len) of `file` as `coding` ('plain' or 'gzip')
 * addresses them. `stale()` says the read is no longer wanted: it then throws StaleRead.
 */
export async function readSpan(file, coding, offset, len, stale = () => false) {
  if (coding === 'gzip') {
    const bytes = await gunzipSpan(file, offset, len, stale);
    return new TextDecoder().decode(bytes);
  }
  return file.slice(offset, offset + len).text();
}
