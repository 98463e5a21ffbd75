// How far a cost figure can be trusted, in words: how much of it was computed from the
// built-in list prices (the log had no cost), which requests have no known cost (their
// model has no price: not counted, never zero), and which logged costs disagree with the
// list price by more than 1%. Used by the cost KPI card, the note under the KPIs and the
// cost cells of the per-model and per-application tables. Plain functions of a Totals
// object ({cost_count, cost_computed_count, cost_mismatch_count, cost_mismatch_usd,
// unpriced_requests}, and the summary's unpriced_models); they return text, never HTML.

import { formatInt, formatPercent, formatUsd } from './format.js';

const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const plural = (n, one, many) => (n === 1 ? one : many);

/** Models named in the unpriced warning before "and N more". */
const MAX_NAMED_MODELS = 4;

/** "12%" of `part` in `whole`: whole percents from 1%, "0.45%" below (never 0% or 100% unless so). */
export function sharePercent(part, whole) {
  if (!(whole > 0)) return formatPercent(null);
  const r = part / whole;
  if (r > 0 && r < 0.01) return formatPercent(r);
  const pct = Math.round(r * 100);
  return `${part < whole ? Math.min(pct, 99) : pct}%`;
}

/** A signed amount of dollars: "+$0.149", "−$0.000021" (small ones keep two significant digits). */
export function signedUsd(v) {
  const x = num(v);
  const a = Math.abs(x);
  const amount = a === 0 || a >= 0.01 ? formatUsd(a) : `$${Number(a.toPrecision(2))}`;
  return `${x < 0 ? '−' : '+'}${amount}`;
}

/** The cost card's sub-line when part of the cost is computed ("12% computed from list prices"), else null. */
export function computedLine(t) {
  const computed = num(t.cost_computed_count);
  const all = num(t.cost_count);
  if (computed <= 0 || all <= 0) return null;
  return computed >= all ? 'all computed from list prices' : `${sharePercent(computed, all)} computed from list prices`;
}

/** The same in a full sentence (a title). */
export function computedSentence(t) {
  const computed = num(t.cost_computed_count);
  const all = num(t.cost_count);
  if (computed <= 0) return null;
  return `${formatInt(computed)} of ${formatInt(all)} ${plural(all, 'cost', 'costs')} computed from the built-in list prices (the log has none for ${plural(computed, 'that request', 'those requests')})`;
}

/**
 * "34 requests of 2 unpriced models: llama-3.1-70b, m1 — cost unknown, not counted", or null.
 * `models` is the summary's unpriced_models ([{model, requests}]); without it the models are not named.
 */
export function unpricedSentence(t, models) {
  const n = num(t.unpriced_requests);
  if (n <= 0) return null;
  const list = Array.isArray(models) ? models : [];
  const head = `${formatInt(n)} ${plural(n, 'request', 'requests')}`;
  if (list.length === 0) return `${head} of an unpriced model — cost unknown, not counted`;
  const names = list.slice(0, MAX_NAMED_MODELS).map((m) => String(m.model));
  const more = list.length - names.length;
  const named = more > 0 ? `${names.join(', ')} and ${formatInt(more)} more` : names.join(', ');
  return `${head} of ${formatInt(list.length)} unpriced ${plural(list.length, 'model', 'models')}: ${named} — cost unknown, not counted`;
}

/** "8 requests' logged cost differs from list price by >1% (Σ +$0.14)", or null. */
export function mismatchSentence(t) {
  const n = num(t.cost_mismatch_count);
  if (n <= 0) return null;
  const whose = n === 1 ? "1 request's" : `${formatInt(n)} requests'`;
  return `${whose} logged cost differs from list price by >1% (Σ ${signedUsd(t.cost_mismatch_usd)})`;
}

/** The warnings of a summary, for the note under the KPIs: [{kind, text}]. */
export function costWarnings(summary) {
  const s = summary || {};
  const out = [];
  const unpriced = unpricedSentence(s, s.unpriced_models);
  if (unpriced) out.push({ kind: 'unpriced', text: unpriced });
  const mismatch = mismatchSentence(s);
  if (mismatch) out.push({ kind: 'mismatch', text: mismatch });
  return out;
}

/** The tags of a table row's cost cell: [{kind, text, title}]. */
export function costTags(t) {
  const out = [];
  const unpriced = num(t.unpriced_requests);
  if (unpriced > 0) {
    out.push({
      kind: 'unpriced',
      text: 'unpriced',
      title: `${formatInt(unpriced)} ${plural(unpriced, 'request has', 'requests have')} tokens but no logged cost, and no list price for the model: cost unknown, not counted`,
    });
  }
  const computed = computedSentence(t);
  if (computed) {
    const all = num(t.cost_computed_count) >= num(t.cost_count);
    const text = all ? 'list price' : `${sharePercent(t.cost_computed_count, t.cost_count)} list price`;
    out.push({ kind: 'computed', text, title: computed });
  }
  const mismatch = mismatchSentence(t);
  if (mismatch) out.push({ kind: 'mismatch', text: '≠ list', title: mismatch });
  return out;
}
