// OpenTelemetry spans in the drill-down drawer. A record read from an OTLP export is one
// span, but its byte span is the whole document it came in (a TracesData line of the
// collector's file exporter, or one element of resourceSpans), which holds many spans.
// spanRecord finds the request's own span in it, by its start time and duration, and
// flattens it into plain fields (its attributes by key, then its resource's), so the
// drawer shows that span, not the whole document.

/** An OTLP AnyValue ({stringValue}, {intValue}, {arrayValue: {values}}, …) as a JS value. */
function anyValue(v) {
  if (!v || typeof v !== 'object') return null;
  if ('stringValue' in v) return v.stringValue;
  if ('boolValue' in v) return v.boolValue;
  if ('intValue' in v) {
    const n = Number(v.intValue);
    return Number.isSafeInteger(n) ? n : String(v.intValue);
  }
  if ('doubleValue' in v) return Number(v.doubleValue);
  if ('arrayValue' in v) return ((v.arrayValue && v.arrayValue.values) || []).map(anyValue);
  if ('kvlistValue' in v) return attributes((v.kvlistValue && v.kvlistValue.values) || []);
  if ('bytesValue' in v) return v.bytesValue;
  return null;
}

/** [{key, value}] as {key: value}. */
function attributes(list) {
  const out = {};
  for (const kv of Array.isArray(list) ? list : []) {
    if (kv && typeof kv.key === 'string') out[kv.key] = anyValue(kv.value);
  }
  return out;
}

/** Nanoseconds since the epoch (a number or a string of digits) as milliseconds. */
function nsToMs(ns) {
  if (typeof ns === 'number') return ns / 1e6;
  if (typeof ns === 'string' && /^\d+$/.test(ns)) {
    // Whole milliseconds exactly, then the rest: a double cannot hold every nanosecond.
    const whole = ns.length > 6 ? Number(ns.slice(0, -6)) : 0;
    return whole + Number(ns.slice(-6)) / 1e6;
  }
  return NaN;
}

/** Every span of an OTLP document with its resource's attributes: [{span, resource}]. */
function spansOf(doc) {
  const resourceSpans = Array.isArray(doc.resourceSpans) ? doc.resourceSpans
    : Array.isArray(doc.scopeSpans) ? [doc] : [];
  const out = [];
  for (const rs of resourceSpans) {
    const resource = attributes(rs && rs.resource && rs.resource.attributes);
    for (const ss of (rs && Array.isArray(rs.scopeSpans) ? rs.scopeSpans : [])) {
      for (const span of (ss && Array.isArray(ss.spans) ? ss.spans : [])) {
        if (span && typeof span === 'object') out.push({ span, resource });
      }
    }
  }
  return out;
}

/**
 * The span of `doc` (a parsed OTLP document) that is the request `row` (ts: ISO 8601 start;
 * latency_ms), flattened: name, ids, kind, times, status, then its attributes and its
 * resource's (as `resource.<key>`). Null when `doc` is not OTLP or no span matches.
 */
export function spanRecord(doc, row) {
  if (!doc || typeof doc !== 'object') return null;
  const spans = spansOf(doc);
  if (!spans.length) return null;
  const start = Date.parse(row.ts);
  const latency = Number(row.latency_ms);
  // The engine keeps microseconds; Date.parse milliseconds: within 1 ms, and the same
  // duration (to a microsecond) when the request has one.
  const found = spans.find(({ span }) => {
    const s = nsToMs(span.startTimeUnixNano);
    const e = nsToMs(span.endTimeUnixNano);
    if (!(Math.abs(s - start) < 1)) return false;
    return row.latency_ms === null || row.latency_ms === undefined || Math.abs(e - s - latency) < 0.001;
  });
  if (!found) return null;
  const { span, resource } = found;
  const out = {
    name: span.name ?? null,
    traceId: span.traceId ?? null,
    spanId: span.spanId ?? null,
    parentSpanId: span.parentSpanId ?? null,
    kind: span.kind ?? null,
    startTimeUnixNano: span.startTimeUnixNano ?? null,
    endTimeUnixNano: span.endTimeUnixNano ?? null,
    'status.code': span.status && span.status.code !== undefined ? span.status.code : null,
    'status.message': span.status && span.status.message !== undefined ? span.status.message : null,
  };
  for (const k of Object.keys(out)) if (out[k] === null) delete out[k];
  Object.assign(out, attributes(span.attributes));
  for (const [k, v] of Object.entries(resource)) out[`resource.${k}`] = v;
  return out;
}
