// The price editor: each model of the loaded records with the price it gets (the built-in
// list price, or the user's own), editable per model in USD per 1M tokens; and the user's
// prices as LiteLLM-format JSON (`model_prices_and_context_window.json`'s shape), which can
// be edited, imported from a file and exported with the whole table in use. The user's
// prices are kept in localStorage, sent with every import, and the engine prices the
// records again when they change. Model names from the log go in through textContent and
// input values, never as HTML.

import { formatInt } from './format.js';
import { savedText, saveText } from './storage.js';

const PRICES_KEY = 'tokenlens.prices';

const $ = (id) => document.getElementById(id);

/** The saved prices (LiteLLM JSON or price CSV), or '' for the built-in table. */
export function savedPrices() {
  return savedText(PRICES_KEY);
}

function savePrices(text) {
  saveText(PRICES_KEY, text);
}

function el(tag, text, className) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = text;
  if (className) e.className = className;
  return e;
}

/** USD per 1M tokens -> per token, shifted in decimal (2.5 -> 2.5e-6 exactly as written). */
function perToken(perMillion) {
  return Number(`${perMillion}e-6`);
}

/** The JSON text's object of models, or null when it is not one ('' is an empty one). */
function parseOwn(text) {
  if (!text.trim()) return {};
  try {
    const v = JSON.parse(text);
    return v && typeof v === 'object' && !Array.isArray(v) ? v : null;
  } catch {
    return null;
  }
}

const KINDS = {
  exact: 'exact name',
  alias: 'alias',
  provider_prefix: 'without the provider prefix',
  dated_snapshot: 'snapshot of',
  pattern: 'name pattern',
};

/**
 * How the model found its price, for the "Priced as" cell: "yours", "built-in · 2024-10-01",
 * "gpt-4o · snapshot of"; the full sentence is the title. `own`: the user's prices by name.
 */
function pricedAs(m, own) {
  if (!m.priced_as) return { text: 'not priced', title: 'No price: requests without a logged cost have an unknown cost' };
  const yours = own && (Object.hasOwn(own, m.model) || Object.hasOwn(own, m.priced_as));
  const how = m.priced_as === m.model ? '' : ` · ${KINDS[m.match_kind] || m.match_kind}`;
  const whose = yours ? 'yours' : `built-in${m.as_of ? ` · ${m.as_of}` : ''}`;
  const name = m.priced_as === m.model ? whose : `${m.priced_as}${how}`;
  return {
    text: name,
    title: `${yours ? 'Your price' : 'Built-in list price'} for ${m.priced_as}${m.as_of ? ` (as of ${m.as_of})` : ''}${how ? `, found as its ${KINDS[m.match_kind] || m.match_kind}` : ''}`,
  };
}

const FIELDS = [
  { key: 'input_usd_per_mtok', head: 'Input', json: 'input_cost_per_token' },
  { key: 'cached_input_usd_per_mtok', head: 'Cached input', json: 'cache_read_input_token_cost' },
  { key: 'output_usd_per_mtok', head: 'Output', json: 'output_cost_per_token' },
];

/**
 * Wires the "Edit prices…" dialog. `api`: {models() -> Promise<[model price]>, apply(text)
 * -> Promise<{ok, message}>, exportTable() -> Promise<text>}; `changed()` redraws the view
 * after the engine priced the records again.
 */
export function initPrices(api, changed) {
  const dialog = $('prices-dialog');
  const text = $('prices-text');
  const error = $('prices-error');
  const table = $('prices-models');
  const showError = (message) => {
    error.textContent = message;
    error.hidden = !message;
  };

  /** Writes one model's edited prices into the JSON text (a model without any price: removed). */
  function patch(m, inputs) {
    const own = parseOwn(text.value);
    if (own === null) {
      showError('The JSON below is not an object of models: fix it before editing the table.');
      return;
    }
    showError('');
    const values = inputs.map((i) => (i.value.trim() === '' ? null : Number(i.value)));
    if (values.some((v) => v !== null && !(Number.isFinite(v) && v >= 0))) {
      showError(`${m.model}: prices are numbers of US dollars per 1M tokens, 0 or more.`);
      return;
    }
    if (values[0] === null && values[2] === null) {
      delete own[m.model];
    } else {
      const spec = { litellm_provider: m.provider || '', mode: 'chat' };
      FIELDS.forEach((f, k) => {
        if (values[k] !== null) spec[f.json] = perToken(values[k]);
      });
      own[m.model] = spec;
    }
    text.value = Object.keys(own).length ? JSON.stringify(own, null, 2) : '';
  }

  function renderModels(models) {
    const own = parseOwn(text.value);
    const thead = el('thead');
    const head = el('tr');
    for (const h of ['Model', 'Provider', 'Requests', 'Priced as', ...FIELDS.map((f) => `${f.head} $/1M`)]) {
      const th = el('th', h);
      th.scope = 'col';
      head.append(th);
    }
    thead.append(head);
    const tbody = el('tbody');
    for (const m of models) {
      const tr = el('tr');
      tr.dataset.model = m.model;
      tr.dataset.priced = m.priced_as ? 'true' : 'false';
      const name = el('td', m.model, 'name');
      name.title = m.model;
      tr.append(name, el('td', m.provider || '—'), el('td', formatInt(m.requests), 'num'));
      const how = pricedAs(m, own);
      const as = el('td', how.text, m.priced_as ? 'priced-as' : 'priced-as warn');
      as.title = m.tiered
        ? `${how.title}. Long prompts cost more (context tiers): only the base price is shown and edited here; edit the JSON for the tiers.`
        : how.title;
      tr.append(as);
      const inputs = FIELDS.map((f) => {
        const input = document.createElement('input');
        input.type = 'number';
        input.min = '0';
        input.step = 'any';
        input.dataset.field = f.key;
        input.setAttribute('aria-label', `${f.head} USD per 1M tokens for ${m.model}`);
        const v = m[f.key];
        input.value = typeof v === 'number' ? String(v) : '';
        return input;
      });
      for (const input of inputs) {
        input.addEventListener('change', () => patch(m, inputs));
        const td = el('td', null, 'num');
        td.append(input);
        tr.append(td);
      }
      tbody.append(tr);
    }
    if (!models.length) {
      const tr = el('tr');
      const td = el('td', 'No records loaded: the models of a loaded file are listed here.', 'null');
      td.colSpan = 4 + FIELDS.length;
      tr.append(td);
      tbody.append(tr);
    }
    table.replaceChildren(thead, tbody);
  }

  async function open() {
    text.value = savedPrices();
    showError('');
    renderModels([]);
    dialog.dataset.state = 'open';
    dialog.showModal();
    renderModels(await api.models());
    dialog.dataset.state = 'ready';
  }

  const close = () => {
    dialog.dataset.state = 'closed';
    dialog.close();
  };

  async function apply(value) {
    const answer = await api.apply(value);
    if (!answer.ok) {
      showError(answer.message);
      return;
    }
    savePrices(value);
    close();
    changed();
  }

  $('prices-edit').addEventListener('click', () => {
    open().catch((err) => showError(String(err && err.message ? err.message : err)));
  });
  $('prices-cancel').addEventListener('click', close);
  $('prices-apply').addEventListener('click', () => apply(text.value));
  $('prices-reset').addEventListener('click', () => apply(''));
  $('prices-import').addEventListener('click', () => $('prices-file').click());
  $('prices-file').addEventListener('change', async (e) => {
    const file = e.target.files && e.target.files[0];
    e.target.value = '';
    if (!file) return;
    text.value = await file.text();
    showError('');
  });
  $('prices-export').addEventListener('click', async () => {
    const json = await api.exportTable();
    const url = URL.createObjectURL(new Blob([json], { type: 'application/json' }));
    const a = el('a');
    a.href = url;
    a.download = 'model_prices.json';
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 0);
  });
}
