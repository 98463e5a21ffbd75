// Alerts and budgets: the fired alerts of the view's rules (with their time ranges) and each
// budget's spend in its current period, utilisation, projection to the period's end and
// past periods that went over. The rules are a rules file's JSON text (README "Alerts and
// budgets"), edited in #rules-dialog, checked by the engine, and kept in localStorage;
// without one the engine's default rules apply (the article's examples).
// Every string from the log or the rules goes in through textContent.

import { formatInt, formatTs, formatUsd, getDisplayZone } from './format.js';
import { drawOwnChart, forgetOwnCharts } from './charts.js';
import { savedText, saveText } from './storage.js';

const RULES_KEY = 'tokenlens.rules';
const $ = (id) => document.getElementById(id);

function el(tag, text, className) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = text;
  if (className) e.className = className;
  return e;
}

/** The saved rules text, or '' for the defaults. */
export function savedRules() {
  return savedText(RULES_KEY);
}

function saveRules(text) {
  saveText(RULES_KEY, text);
}

/** A metric value as the rule's unit reads: ms, %, USD or a count. */
function metricValue(metric, v) {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '—';
  if (metric.endsWith('_ms')) return v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${Math.round(v)} ms`;
  if (metric.endsWith('_rate')) return `${(v * 100).toFixed(1)}%`;
  if (metric === 'cost_usd') return formatUsd(v);
  if (metric === 'requests_per_s') return `${v.toFixed(2)} req/s`;
  return formatInt(v);
}

function headRow(cells) {
  const thead = document.createElement('thead');
  const tr = document.createElement('tr');
  for (const [text, cls] of cells) {
    const th = el('th', text, cls);
    th.scope = 'col';
    tr.append(th);
  }
  thead.append(tr);
  return thead;
}

/** Fills the alerts table from the engine's fired alerts. */
function renderAlerts(alerts) {
  const list = alerts || [];
  $('alerts-count').textContent = list.length ? String(list.length) : '';
  $('alerts-card').dataset.count = String(list.length);
  $('alerts-empty').hidden = list.length > 0;
  $('alerts-empty').textContent = list.length ? '' : 'No rule fired in this view.';
  const tbody = document.createElement('tbody');
  for (const a of list) {
    const tr = document.createElement('tr');
    tr.dataset.metric = a.metric || '';
    tr.append(
      el('td', a.rule, 'left name'),
      el('td', a.group === 'all' ? 'all requests' : a.group, 'left'),
      el('td', formatTs(a.start)),
      el('td', a.ongoing ? 'still firing' : formatTs(a.end)),
      el('td', formatInt(a.windows)),
      el('td', metricValue(a.metric, a.worst), 'bad'),
    );
    tbody.append(tr);
  }
  const zone = getDisplayZone();
  $('alerts-table').replaceChildren(headRow([
    ['Rule', 'left'], ['Group', 'left'], [`From (${zone})`], ['To'], ['Windows'], ['Worst'],
  ]), tbody);
  $('alerts-wrap').hidden = list.length === 0;
}

/** One card per budget: spend against the budget, projection and the periods that went over. */
function renderBudgets(budgets) {
  const box = $('budgets');
  const list = budgets || [];
  forgetOwnCharts(box);
  box.replaceChildren();
  $('budgets-empty').hidden = list.length > 0;
  for (const b of list) {
    const c = b.current || {};
    const card = el('div', null, 'budget');
    card.dataset.over = c.over ? 'true' : 'false';
    card.dataset.projectedOver = b.projected_over ? 'true' : 'false';
    // A generated name already says which application; a given one may not.
    const scope = b.application && !String(b.name).includes(b.application) ? ` · ${b.application}` : '';
    card.append(el('div', `${b.name}${scope}`, 'budget-name'));
    const used = Math.max(0, c.utilisation || 0);
    const projected = Math.max(used, b.projected_utilisation || 0);
    const bar = el('div', null, 'budget-bar');
    const fill = el('span', null, 'budget-fill');
    fill.style.width = `${Math.min(100, used * 100).toFixed(1)}%`;
    const proj = el('span', null, 'budget-projected');
    proj.style.width = `${Math.min(100, projected * 100).toFixed(1)}%`;
    bar.append(proj, fill);
    card.append(bar);
    const period = { day: 'today', week: 'this week', month: 'this month' }[b.period] || b.period;
    card.append(el('div', `${formatUsd(c.spent_usd)} of ${formatUsd(b.budget_usd)} ${period} (${(used * 100).toFixed(1)}%)`, 'budget-line'));
    if (b.projected_usd != null) {
      const rate = b.run_rate_usd_per_hour != null ? ` at ${formatUsd(b.run_rate_usd_per_hour)}/h` : '';
      card.append(el('div', `Projected ${formatUsd(b.projected_usd)} by the period's end${rate}`, b.projected_over ? 'budget-line bad' : 'budget-line'));
    }
    const over = (b.periods || []).filter((p) => p.over);
    if (over.length) {
      card.append(el('div', `Over in ${over.length} of ${(b.periods || []).length} periods: ${over.slice(-3).map((p) => formatTs(p.start).slice(0, 10)).join(', ')}`, 'budget-line bad'));
    }
    if (c.unpriced_requests > 0) {
      card.append(el('div', `${formatInt(c.unpriced_requests)} requests of unknown cost not counted`, 'budget-line warn'));
    }
    // The burn-down of the current period: spend so far, the even pace, the projection.
    const chart = el('canvas', null, 'budget-chart');
    chart.setAttribute('role', 'img');
    chart.setAttribute('aria-label', `Burn-down of ${b.name}: spend ${period} against the budget`);
    card.append(chart);
    box.append(card);
    drawOwnChart(chart, 'burn_down', { budget: b });
  }
}

/** Shows the engine's answer for the view. */
export function renderAlertsAndBudgets(msg) {
  $('alerts-card').dataset.state = 'ready';
  renderAlerts(msg.alerts);
  renderBudgets(msg.budgets);
  currentRules = msg.rules || currentRules;
}

export function setAlertsLoading() {
  $('alerts-card').dataset.state = 'loading';
}

export function setAlertsError(message) {
  $('alerts-card').dataset.state = 'error';
  $('alerts-empty').hidden = false;
  $('alerts-empty').textContent = `Alerts could not be computed: ${message}`;
  $('alerts-wrap').hidden = true;
}

/** The rules in use as the engine printed them (the defaults, or the saved ones). */
let currentRules = '';

/**
 * Wires the "Edit rules…" dialog. `check(text)` resolves to null when the engine accepts
 * the rules, else to its message; `changed()` asks for the view's alerts again.
 */
export function initAlerts(check, changed) {
  const dialog = $('rules-dialog');
  const text = $('rules-text');
  const error = $('rules-error');
  $('rules-edit').addEventListener('click', () => {
    text.value = savedRules() || currentRules;
    error.hidden = true;
    dialog.dataset.state = 'open';
    dialog.showModal();
    text.focus();
  });
  const close = () => {
    dialog.dataset.state = 'closed';
    dialog.close();
  };
  $('rules-cancel').addEventListener('click', close);
  $('rules-reset').addEventListener('click', () => {
    saveRules('');
    close();
    changed();
  });
  $('rules-apply').addEventListener('click', async () => {
    const message = await check(text.value);
    if (message) {
      error.textContent = message;
      error.hidden = false;
      return;
    }
    saveRules(text.value);
    close();
    changed();
  });
}
