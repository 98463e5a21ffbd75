// KPI cards: each [data-kpi] element gets data-value (the raw number, "" when null) and a
// formatted visible value plus a short sub-line.

import {
  NULL_TEXT, formatInt, formatCompact, formatPercent, formatMs, formatUsd, formatRate, formatRps, rawValue,
} from './format.js';

const lat = (s, k) => (s.latency_ms ? s.latency_ms[k] : null);

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
  input_tokens: {
    value: (s) => s.input_tokens,
    text: formatCompact,
    sub: (s) => perRequest(s.input_tokens, s.requests, 'per request'),
  },
  output_tokens: {
    value: (s) => s.output_tokens,
    text: formatCompact,
    sub: (s) => perRequest(s.output_tokens, s.requests, 'per request'),
  },
  cost_usd: {
    value: (s) => s.cost_usd,
    text: formatUsd,
    sub: (s) => (s.cost_usd == null || !s.requests ? 'no cost in the log'
      : `${formatUsd((s.cost_usd / s.requests) * 1000)} per 1k req`),
  },
  throughput_rps: {
    value: (s) => s.throughput_rps,
    text: formatRate,
    sub: (s) => (typeof s.throughput_rps === 'number' && Math.abs(s.throughput_rps) < 1
      ? formatRps(s.throughput_rps) : 'first to last request'),
  },
};

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

/** Fills every KPI card from a Dashboard's summary. */
export function renderKpis(summary) {
  const s = summary || {};
  for (const el of document.querySelectorAll('[data-kpi]')) {
    const def = KPIS[el.dataset.kpi];
    if (!def) continue;
    const v = def.value(s);
    const isNull = typeof v !== 'number' || !Number.isFinite(v);
    el.dataset.value = rawValue(v);
    const valueEl = el.querySelector('.kpi-value');
    setValueText(valueEl, isNull ? NULL_TEXT : def.text(v));
    valueEl.title = isNull ? 'no data' : String(v);
    el.querySelector('.kpi-sub').textContent = isNull ? '' : (def.sub ? def.sub(s) : '');
    if (isNull) el.dataset.empty = ''; else delete el.dataset.empty;
    const tone = def.tone ? def.tone(s) : null;
    if (tone) el.dataset.tone = tone; else delete el.dataset.tone;
  }
}

/** Resets the cards to the empty look. */
export function clearKpis() {
  for (const el of document.querySelectorAll('[data-kpi]')) {
    el.dataset.value = '';
    el.querySelector('.kpi-value').textContent = NULL_TEXT;
    el.querySelector('.kpi-sub').textContent = '';
    delete el.dataset.tone;
  }
}
