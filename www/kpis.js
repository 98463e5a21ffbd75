// KPI cards: each [data-kpi] element gets data-value (the raw number, "" when null) and a
// formatted visible value plus a short sub-line. The TTFT cards show only when the data has
// a time to first token; latency cards without a latency say why they show —. The cost
// card says how much of the cost is computed from list prices, and flags unpriced requests
// and logged costs that differ from the list price; #cost-note under the cards spells
// those warnings out (cost.js words them).

import {
  NULL_TEXT, formatInt, formatCompact, formatPercent, formatMs, formatUsd, formatRate, formatRps, rawValue,
} from './format.js';
import {
  computedLine, computedSentence, costWarnings, unpricedSentence, mismatchSentence,
} from './cost.js';

const lat = (s, k) => (s.latency_ms ? s.latency_ms[k] : null);
const quality = (s, k) => (s.quality ? s.quality[k] : null);
/** "12% of requests" from a coverage in [0, 1]. */
const coverage = (v, what) => (typeof v === 'number' ? `${formatPercent(v)} of requests ${what}` : '');
const ttft = (s, k) => (s.ttft_ms ? s.ttft_ms[k] : null);

/** Why a latency card is empty: the export has none at all, or only this view has none. */
const NO_LATENCY_EXPORT = 'not recorded';
const NO_LATENCY_VIEW = 'none in this view';

/** name -> {value(summary), text(value), sub(summary), tone(summary)} */
const KPIS = {
  requests: {
    value: (s) => s.requests,
    text: formatInt,
    sub: (s) => (typeof s.errors === 'number' ? `${formatInt(s.errors)} errors` : ''),
  },
  error_rate: {
    value: (s) => s.error_rate,
    text: formatPercent,
    sub: (s) => (typeof s.errors === 'number' && typeof s.requests === 'number'
      ? `${formatInt(s.errors)} of ${formatInt(s.requests)}` : ''),
    tone: (s) => (s.error_rate == null ? null : s.error_rate >= 0.05 ? 'bad' : s.error_rate >= 0.01 ? 'warn' : null),
  },
  p50_ms: { value: (s) => lat(s, 'p50'), text: formatMs, sub: (s) => `mean ${formatMs(lat(s, 'mean'))}` },
  p95_ms: { value: (s) => lat(s, 'p95'), text: formatMs, sub: (s) => `p90 ${formatMs(lat(s, 'p90'))}` },
  p99_ms: { value: (s) => lat(s, 'p99'), text: formatMs, sub: (s) => `max ${formatMs(lat(s, 'max'))}` },
  ttft_p50: { value: (s) => ttft(s, 'p50'), text: formatMs, sub: (s) => `mean ${formatMs(ttft(s, 'mean'))}` },
  ttft_p95: { value: (s) => ttft(s, 'p95'), text: formatMs, sub: (s) => `max ${formatMs(ttft(s, 'max'))}` },
  input_tokens: {
    value: (s) => s.input_tokens,
    text: formatCompact,
    sub: (s) => (s.cached_input_tokens > 0 ? `${formatCompact(s.cached_input_tokens)} cached`
      : perRequest(s.input_tokens, s.requests, 'per request')),
    title: (s) => (s.cached_input_tokens > 0 ? `${formatInt(s.cached_input_tokens)} of the input tokens were read from the provider's cache` : ''),
  },
  output_tokens: {
    value: (s) => s.output_tokens,
    text: formatCompact,
    sub: (s) => (s.reasoning_tokens > 0 ? `${formatCompact(s.reasoning_tokens)} reasoning`
      : perRequest(s.output_tokens, s.requests, 'per request')),
    title: (s) => (s.reasoning_tokens > 0 ? `${formatInt(s.reasoning_tokens)} of the output tokens were reasoning tokens` : ''),
  },
  cost_usd: {
    value: (s) => s.cost_usd,
    text: formatUsd,
    // Part of the cost computed from list prices says so; else the cost per 1k requests.
    sub: (s) => (s.cost_usd == null || !s.requests ? 'no cost in the log'
      : computedLine(s) || `${formatUsd((s.cost_usd / s.requests) * 1000)} / 1k req`),
    title: (s) => [
      s.cost_usd != null && s.requests ? `${formatUsd((s.cost_usd / s.requests) * 1000)} per 1,000 requests` : null,
      computedSentence(s),
    ].filter(Boolean).join('; '),
    emptySub: (s) => (s.unpriced_requests > 0 ? 'models not priced' : 'not in the log'),
  },
  tokens_per_s: {
    value: (s) => s.tokens_per_s,
    text: formatCompactRate,
    sub: (s) => (typeof s.concurrency === 'number' ? `${s.concurrency < 10 ? s.concurrency.toFixed(2) : formatInt(s.concurrency)} in flight on average` : 'first to last request'),
    title: () => 'Input and output tokens per second from the first request to the last; below it, the mean number of requests running at once (their summed latency over that span)',
  },
  thumbs_up: {
    value: (s) => quality(s, 'thumbs_up_rate'),
    text: formatPercent,
    sub: (s) => coverage(quality(s, 'feedback_coverage'), 'rated'),
    title: (s) => `Share of positive feedback (thumbs up, or a rating above the middle) among ${formatInt(quality(s, 'feedback_count') || 0)} rated requests; mean feedback ${typeof quality(s, 'feedback_mean') === 'number' ? quality(s, 'feedback_mean').toFixed(2) : NULL_TEXT} on −1…+1`,
    tone: (s) => (quality(s, 'thumbs_up_rate') == null ? null : quality(s, 'thumbs_up_rate') < 0.6 ? 'bad' : quality(s, 'thumbs_up_rate') < 0.8 ? 'warn' : null),
  },
  hallucination: {
    value: (s) => quality(s, 'hallucination_rate'),
    text: formatPercent,
    sub: (s) => coverage(quality(s, 'hallucination_coverage'), 'judged'),
    title: (s) => `Mean hallucination verdict (1 = hallucinated) over ${formatInt(quality(s, 'hallucination_count') || 0)} judged requests`,
    tone: (s) => (quality(s, 'hallucination_rate') == null ? null : quality(s, 'hallucination_rate') >= 0.1 ? 'bad' : quality(s, 'hallucination_rate') >= 0.05 ? 'warn' : null),
  },
  safety: {
    value: (s) => quality(s, 'safety_violation_rate'),
    text: formatPercent,
    sub: (s) => coverage(quality(s, 'safety_coverage'), 'checked'),
    title: (s) => `Share of flagged outputs (a safety flag, or finish reason content_filter) among ${formatInt(quality(s, 'safety_count') || 0)} checked requests`,
    tone: (s) => (quality(s, 'safety_violation_rate') > 0 ? 'warn' : null),
  },
  throughput_rps: {
    value: (s) => s.throughput_rps,
    text: formatRate,
    sub: (s) => (typeof s.throughput_rps === 'number' && Math.abs(s.throughput_rps) < 1
      ? formatRps(s.throughput_rps) : 'first to last request'),
  },
};

/** 1234.5 -> "1.2k", 3.21 -> "3.21", 0.0123 -> "0.0123". */
function formatCompactRate(v) {
  if (typeof v !== 'number' || !Number.isFinite(v)) return NULL_TEXT;
  if (v >= 1000) return formatCompact(v);
  if (v >= 10) return v.toFixed(0);
  return v >= 0.01 ? v.toFixed(2) : v.toPrecision(2);
}

function perRequest(total, requests, label) {
  if (typeof total !== 'number' || !requests) return '';
  return `${formatInt(total / requests)} ${label}`;
}

/** "3.29 s" -> big "3.29" and a small unit "s"; text without a unit stays as it is. */
function setValueText(el, text) {
  const m = /^(\S+) (.+)$/.exec(text);
  if (!m) {
    el.textContent = text;
    return;
  }
  const unit = document.createElement('span');
  unit.className = 'kpi-unit';
  unit.textContent = m[2];
  el.replaceChildren(m[1], unit);
}

const LATENCY_KPIS = new Set(['p50_ms', 'p95_ms', 'p99_ms']);

/**
 * Fills every KPI card from a Dashboard's summary. `hasLatency`: whether the import has any
 * latency at all (the report's has_latency), to tell "none in the export" from "none here".
 */
export function renderKpis(summary, { hasLatency = true } = {}) {
  const s = summary || {};
  const hasTtft = typeof ttft(s, 'p50') === 'number';
  for (const id of ['ttft_p50', 'ttft_p95']) document.querySelector(`[data-kpi="${id}"]`).hidden = !hasTtft;
  // A quality card shows when the view's requests carry that signal.
  for (const [id, count] of [['thumbs_up', 'feedback_count'], ['hallucination', 'hallucination_count'], ['safety', 'safety_count']]) {
    document.querySelector(`[data-kpi="${id}"]`).hidden = !(quality(s, count) > 0);
  }
  for (const el of document.querySelectorAll('[data-kpi]')) {
    const def = KPIS[el.dataset.kpi];
    if (!def) continue;
    const v = def.value(s);
    const isNull = typeof v !== 'number' || !Number.isFinite(v);
    el.dataset.value = rawValue(v);
    const valueEl = el.querySelector('.kpi-value');
    setValueText(valueEl, isNull ? NULL_TEXT : def.text(v));
    valueEl.title = isNull ? 'no data' : String(v);
    let sub = isNull ? '' : (def.sub ? def.sub(s) : '');
    if (isNull && LATENCY_KPIS.has(el.dataset.kpi) && s.requests > 0) sub = hasLatency ? NO_LATENCY_VIEW : NO_LATENCY_EXPORT;
    else if (isNull && def.emptySub && s.requests > 0) sub = def.emptySub(s);
    el.querySelector('.kpi-sub').textContent = sub;
    el.querySelector('.kpi-sub').title = (!isNull && def.title && def.title(s)) || sub;
    if (isNull && LATENCY_KPIS.has(el.dataset.kpi) && !hasLatency) el.querySelector('.kpi-sub').title = 'This export carries no latency';
    if (isNull) el.dataset.empty = ''; else delete el.dataset.empty;
    const tone = def.tone ? def.tone(s) : null;
    if (tone) el.dataset.tone = tone; else delete el.dataset.tone;
  }
  renderCostWarnings(s);
}

/**
 * The cost card's warnings in short ("2 unpriced", "18 ≠ list price") and the note under the
 * KPIs with each warning in full: requests of unpriced models (not counted) and logged
 * costs more than 1% away from the list price.
 */
function renderCostWarnings(s) {
  const card = document.querySelector('[data-kpi="cost_usd"]');
  const flags = card.querySelector('.kpi-flags');
  const parts = [];
  if (s.unpriced_requests > 0) parts.push(`${formatInt(s.unpriced_requests)} unpriced`);
  if (s.cost_mismatch_count > 0) parts.push(`${formatInt(s.cost_mismatch_count)} ≠ list price`);
  flags.replaceChildren(...parts.map((text) => {
    const line = document.createElement('span');
    line.textContent = text;
    return line;
  }));
  flags.title = [unpricedSentence(s, s.unpriced_models), mismatchSentence(s)].filter(Boolean).join('\n');
  flags.hidden = parts.length === 0;

  const note = document.getElementById('cost-note');
  const warnings = costWarnings(s);
  note.replaceChildren(...warnings.map((w) => {
    const p = document.createElement('p');
    p.className = 'cost-warning';
    p.dataset.kind = w.kind;
    p.textContent = w.text;
    return p;
  }));
  note.hidden = warnings.length === 0;
}

/** The note above the charts when the view has no latency (null: hide it). */
export function latencyNote(summary, hasLatency) {
  const s = summary || {};
  if (!(s.requests > 0) || typeof lat(s, 'p50') === 'number') return null;
  return hasLatency
    ? 'No request in this view has a latency, so latency figures show —.'
    : 'This export carries no latency (it records no duration or end time per request), so latency figures show — and there is no latency chart.';
}

/** Resets the cards to the empty look. */
export function clearKpis() {
  for (const el of document.querySelectorAll('[data-kpi]')) {
    el.dataset.value = '';
    el.querySelector('.kpi-value').textContent = NULL_TEXT;
    el.querySelector('.kpi-sub').textContent = '';
    delete el.dataset.tone;
    if (el.dataset.kpi.startsWith('ttft_')) el.hidden = true;
  }
  const flags = document.querySelector('[data-kpi="cost_usd"] .kpi-flags');
  flags.replaceChildren();
  flags.hidden = true;
  const note = document.getElementById('cost-note');
  note.replaceChildren();
  note.hidden = true;
}
