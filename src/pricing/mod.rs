//! The built-in price table (a dated CSV compiled into the engine) and model matching: which
//! list price applies to a model name as a log spells it, and what a request cost.
//!
//! Matching, in this order (the first hit wins, so a lookup is deterministic):
//! 1. [`MatchKind::Exact`]: the name as the table spells it.
//! 2. [`MatchKind::Alias`]: one of the entry's aliases as the table spells it.
//!    (The same name in another letter case is a hit too, reported as `Pattern`.)
//! 3. [`MatchKind::ProviderPrefix`]: a routing prefix removed: `openai/gpt-4o`, `azure/gpt-4o`,
//!    `bedrock/…`, `models/gemini-1.5-pro`, `together_ai/meta-llama/…`, and Bedrock's
//!    cross-region `us.` / `eu.` / `apac.` / `global.` inference profiles.
//! 4. [`MatchKind::DatedSnapshot`]: a snapshot date removed when the snapshot has no row of
//!    its own: `gpt-4o-2024-08-06` → `gpt-4o`, `gpt-4-0613` → `gpt-4`,
//!    `command-r-plus-09-2025` → `command-r-plus`, `claude-x-20250101` → `claude-x`.
//! 5. [`MatchKind::Pattern`]: version suffixes normalised: `-latest`, Vertex's `@version`, a
//!    `:version` (`:0`, `:v2`, `:latest`, never a size such as `:70b`), Bedrock's `-v1`,
//!    Bedrock's vendor prefix (`anthropic.`, `meta.`, …) and Google's `-001`.
//!
//! Everything after step 2 ignores letter case. An unknown model is `None`, never a guess.

mod litellm;
mod parse;
mod rules;

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Serialize;
use thiserror::Error;

/// The built-in price file, compiled in: one row per model (and per context tier).
pub const BUILTIN_CSV: &str = include_str!("prices.csv");

/// The header row every price CSV starts with (after `#` comment lines).
pub const CSV_HEADER: &str = parse::HEADER;

/// Why a price file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PriceError {
    /// A row of a price CSV is malformed.
    #[error("price table line {line}: {reason}")]
    Row {
        /// 1-based line number in the file.
        line: usize,
        /// What is wrong with the row.
        reason: String,
    },
    /// The first row that is neither blank nor a comment is not [`CSV_HEADER`].
    #[error("price table line {line}: expected the header row `{CSV_HEADER}`")]
    Header {
        /// 1-based line number of the row found instead.
        line: usize,
    },
    /// The file has no header row at all.
    #[error("price table: empty (no header row)")]
    Empty,
    /// A LiteLLM price file is not JSON, or not an object of models.
    #[error("LiteLLM price file: {0}")]
    LiteLlm(String),
}

/// Prices of one context tier, in US dollars per 1M tokens.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rates {
    /// Uncached input (prompt) tokens.
    pub input_usd_per_mtok: f64,
    /// Cache-read input tokens; `None` when the provider publishes no cache price, and then
    /// cached tokens cost the input price.
    pub cached_input_usd_per_mtok: Option<f64>,
    /// Output tokens, reasoning tokens included.
    pub output_usd_per_mtok: f64,
}

/// Prices that apply instead of the base prices when the prompt is long.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Tier {
    /// The tier applies to requests whose prompt has more than this many tokens.
    pub above_context_tokens: u64,
    /// The prices of the whole request in this tier.
    pub rates: Rates,
}

/// The prices of one model: base prices and any long-context tiers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Price {
    /// Prices for prompts up to the first tier's threshold.
    pub base: Rates,
    /// Long-context tiers, by ascending threshold, thresholds distinct.
    pub tiers: Vec<Tier>,
}

impl Price {
    /// A price without context tiers.
    pub fn flat(base: Rates) -> Price {
        Price {
            base,
            tiers: Vec::new(),
        }
    }

    /// The rates for a request whose prompt has `prompt_context_tokens` tokens: the highest
    /// tier whose threshold the prompt exceeds, else the base rates.
    pub fn rates_for(&self, prompt_context_tokens: u64) -> &Rates {
        self.tiers
            .iter()
            .rev()
            .find(|t| prompt_context_tokens > t.above_context_tokens)
            .map_or(&self.base, |t| &t.rates)
    }

    /// The cost of one request in US dollars.
    ///
    /// `input_tokens` counts every prompt token, cached ones included (OpenAI's and Google's
    /// `prompt_tokens`); `cached_input_tokens` is the part of it read from the cache (more is
    /// taken as all of it); `output_tokens` includes reasoning tokens; `prompt_context_tokens`
    /// picks the context tier (usually the same as `input_tokens`).
    pub fn cost(
        &self,
        input_tokens: u64,
        cached_input_tokens: u64,
        output_tokens: u64,
        prompt_context_tokens: u64,
    ) -> f64 {
        let r = self.rates_for(prompt_context_tokens);
        let cached = cached_input_tokens.min(input_tokens);
        let uncached = input_tokens - cached;
        let cached_price = r.cached_input_usd_per_mtok.unwrap_or(r.input_usd_per_mtok);
        (uncached as f64 * r.input_usd_per_mtok
            + cached as f64 * cached_price
            + output_tokens as f64 * r.output_usd_per_mtok)
            / 1e6
    }
}

/// One model of a price table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    /// Who sells it at this price: `openai`, `anthropic`, `bedrock`, `groq`, …
    pub provider: String,
    /// The model's name as that provider's API spells it.
    pub model: String,
    /// Other names of the same model at the same price.
    pub aliases: Vec<String>,
    /// `YYYY-MM-DD` from which the price is known to apply; `None` when the source gives none.
    pub as_of: Option<String>,
    /// Its prices.
    pub price: Price,
}

/// How a model name found its entry (see the module documentation for the order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// The entry's name, spelled exactly.
    Exact,
    /// One of the entry's aliases, spelled exactly.
    Alias,
    /// After removing a provider or routing prefix (`openai/`, `azure/`, `us.`, …).
    ProviderPrefix,
    /// After removing a snapshot date that has no row of its own.
    DatedSnapshot,
    /// After case folding or a version-suffix normalisation (`-latest`, `@…`, `:0`, …).
    Pattern,
}

/// The entry a model name resolved to, and how.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Match<'a> {
    /// The entry.
    pub entry: &'a Entry,
    /// The entry's name or alias, as the table spells it, that the model name resolved to.
    pub key: &'a str,
    /// The last rule that was needed.
    pub kind: MatchKind,
}

/// Where a case-folded name or alias points.
#[derive(Debug, Clone, Copy)]
struct Slot {
    entry: usize,
    /// `None` for the entry's name, else the alias's position.
    alias: Option<usize>,
}

/// Models and their prices, with a case-insensitive index of names and aliases.
#[derive(Debug, Clone, Default)]
pub struct PriceTable {
    entries: Vec<Entry>,
    index: HashMap<String, Slot>,
}

impl PartialEq for PriceTable {
    fn eq(&self, other: &Self) -> bool {
        // The index is derived from the entries.
        self.entries == other.entries
    }
}

impl PriceTable {
    /// The table built from [`BUILTIN_CSV`], parsed once on first use.
    pub fn builtin() -> &'static PriceTable {
        static TABLE: OnceLock<PriceTable> = OnceLock::new();
        TABLE.get_or_init(|| {
            // The embedded file is checked by the tests; were it ever broken, every model would
            // show as unpriced rather than the page or the CLI dying.
            PriceTable::from_csv(BUILTIN_CSV).unwrap_or_default()
        })
    }

    /// Parses a price CSV in the format of [`BUILTIN_CSV`]: `#` comment lines and blank lines
    /// anywhere, then [`CSV_HEADER`], then one row per model and per extra context tier. The
    /// first bad row fails the whole table, with its line number: a price table is small and
    /// hand-written, and a silently missing row would silently mis-price.
    pub fn from_csv(text: &str) -> Result<PriceTable, PriceError> {
        parse::parse(text).map(PriceTable::from_entries)
    }

    /// A table of these entries. Names and aliases are matched case-insensitively; one that an
    /// earlier entry already has is ignored (use [`PriceTable::from_csv`] to have that checked).
    pub fn from_entries(entries: Vec<Entry>) -> PriceTable {
        let mut index = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            let keys = std::iter::once((rules::fold(&e.model), None)).chain(
                e.aliases
                    .iter()
                    .enumerate()
                    .map(|(j, a)| (rules::fold(a), Some(j))),
            );
            for (key, alias) in keys {
                index.entry(key).or_insert(Slot { entry: i, alias });
            }
        }
        PriceTable { entries, index }
    }

    /// Reads LiteLLM's `model_prices_and_context_window.json` shape: an object from model name
    /// to `input_cost_per_token`, `output_cost_per_token`, `cache_read_input_token_cost`,
    /// `litellm_provider`, `mode` and `…_above_<N>k_tokens` tier prices (per token; converted
    /// to per 1M). `sample_spec`, entries without a token price, and modes other than chat,
    /// completion, responses and embedding (images, audio, rerank: not priced per token) are
    /// skipped. Entries have no `as_of` and no aliases.
    pub fn from_litellm_json(text: &str) -> Result<PriceTable, PriceError> {
        litellm::import(text).map(PriceTable::from_entries)
    }

    /// The table in LiteLLM's JSON shape (per-token prices, `litellm_provider`, `mode`, tiers
    /// as `…_above_<N>k_tokens`), for LiteLLM or for [`PriceTable::from_litellm_json`].
    /// Aliases and `as_of` have no place there and are left out.
    pub fn to_litellm_json(&self) -> String {
        litellm::export(&self.entries)
    }

    /// The built-in table with the prices of `text` winning: LiteLLM-format JSON (text
    /// starting with `{`) or a CSV in the format of [`BUILTIN_CSV`].
    pub fn builtin_with_overrides(text: &str) -> Result<PriceTable, PriceError> {
        let own = if text.trim_start().starts_with('{') {
            PriceTable::from_litellm_json(text)
        } else {
            PriceTable::from_csv(text)
        }?;
        Ok(PriceTable::builtin().with_overrides(&own))
    }

    /// This table with `other`'s entries winning: an entry whose name is a name or alias in
    /// `other` is replaced by `other`'s entry, aliases that `other` claims are dropped, and
    /// `other`'s remaining entries are added at the end.
    pub fn with_overrides(&self, other: &PriceTable) -> PriceTable {
        let mut taken = vec![false; other.entries.len()];
        let mut out = Vec::with_capacity(self.entries.len() + other.entries.len());
        for e in &self.entries {
            if let Some(slot) = other.index.get(&rules::fold(&e.model)) {
                if !taken[slot.entry] {
                    taken[slot.entry] = true;
                    out.push(other.entries[slot.entry].clone());
                }
                continue;
            }
            let mut e = e.clone();
            e.aliases
                .retain(|a| !other.index.contains_key(&rules::fold(a)));
            out.push(e);
        }
        for (e, taken) in other.entries.iter().zip(taken) {
            if !taken {
                out.push(e.clone());
            }
        }
        PriceTable::from_entries(out)
    }

    /// The entries, in file order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// How many models the table prices.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the table prices no model.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entry for a model name as a log spells it (see the module documentation for the
    /// rules and their order), or `None` when no rule finds one.
    pub fn lookup(&self, model: &str) -> Option<Match<'_>> {
        let model = model.trim();
        if model.is_empty() {
            return None;
        }
        let folded = rules::fold(model);
        if let Some(&slot) = self.index.get(&folded) {
            let key = self.key(slot);
            let kind = match (key == model, slot.alias) {
                (true, None) => MatchKind::Exact,
                (true, Some(_)) => MatchKind::Alias,
                (false, _) => MatchKind::Pattern,
            };
            return Some(self.matched(slot, kind));
        }
        let forms = rules::prefix_forms(&folded);
        for form in forms.iter().skip(1) {
            if let Some(m) = self.find(form, MatchKind::ProviderPrefix) {
                return Some(m);
            }
        }
        for form in &forms {
            if let Some(m) =
                rules::strip_date(form).and_then(|b| self.find(b, MatchKind::DatedSnapshot))
            {
                return Some(m);
            }
        }
        for form in &forms {
            for normal in rules::normalisations(form) {
                if let Some(m) = self.find(&normal, MatchKind::Pattern) {
                    return Some(m);
                }
                if let Some(m) =
                    rules::strip_date(&normal).and_then(|b| self.find(b, MatchKind::Pattern))
                {
                    return Some(m);
                }
            }
        }
        None
    }

    /// Like [`PriceTable::lookup`], but first tries the host-qualified name `provider/model`,
    /// for models that two hosts name alike at different prices (Groq's and Together's Llama 4
    /// Scout: the table names Groq's `groq/meta-llama/llama-4-scout-17b-16e-instruct`).
    pub fn lookup_with_provider(&self, provider: &str, model: &str) -> Option<Match<'_>> {
        let provider = provider.trim();
        if !provider.is_empty() {
            let qualified = rules::fold(&format!("{provider}/{}", model.trim()));
            if let Some(m) = self.find(&qualified, MatchKind::ProviderPrefix) {
                return Some(m);
            }
        }
        self.lookup(model)
    }

    /// The entry under a case-folded name or alias, reported as `kind`.
    fn find(&self, folded: &str, kind: MatchKind) -> Option<Match<'_>> {
        self.index.get(folded).map(|&slot| self.matched(slot, kind))
    }

    fn matched(&self, slot: Slot, kind: MatchKind) -> Match<'_> {
        Match {
            entry: &self.entries[slot.entry],
            key: self.key(slot),
            kind,
        }
    }

    fn key(&self, slot: Slot) -> &str {
        let e = &self.entries[slot.entry];
        match slot.alias {
            None => &e.model,
            Some(j) => &e.aliases[j],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rates(input: f64, cached: Option<f64>, output: f64) -> Rates {
        Rates {
            input_usd_per_mtok: input,
            cached_input_usd_per_mtok: cached,
            output_usd_per_mtok: output,
        }
    }

    fn entry(model: &str, aliases: &[&str], price: Price) -> Entry {
        Entry {
            provider: "test".into(),
            model: model.into(),
            aliases: aliases.iter().map(|a| (*a).to_string()).collect(),
            as_of: None,
            price,
        }
    }

    #[test]
    fn builtin_table_parses() {
        let parsed = PriceTable::from_csv(BUILTIN_CSV);
        assert!(parsed.is_ok(), "{parsed:?}");
        assert!(PriceTable::builtin().len() >= 170);
    }

    #[test]
    fn cost_uses_cached_price_or_input_price() {
        let with_cache = Price::flat(rates(2.0, Some(0.5), 8.0));
        // 600 uncached × 2 + 400 cached × 0.5 + 100 × 8 = 1200 + 200 + 800 = 2200 per 1M.
        assert_eq!(with_cache.cost(1000, 400, 100, 1000), 0.0022);
        let without = Price::flat(rates(2.0, None, 8.0));
        // 1000 × 2 + 100 × 8 = 2800 per 1M.
        assert_eq!(without.cost(1000, 400, 100, 1000), 0.0028);
        // More cached than input tokens: all input counts as cached.
        assert_eq!(with_cache.cost(100, 500, 0, 100), 0.00005);
        assert_eq!(with_cache.cost(0, 0, 0, 0), 0.0);
    }

    #[test]
    fn tiers_apply_strictly_above_their_threshold() {
        let p = Price {
            base: rates(1.0, None, 2.0),
            tiers: vec![
                Tier {
                    above_context_tokens: 100,
                    rates: rates(3.0, None, 4.0),
                },
                Tier {
                    above_context_tokens: 1000,
                    rates: rates(5.0, None, 6.0),
                },
            ],
        };
        assert_eq!(p.rates_for(0).input_usd_per_mtok, 1.0);
        assert_eq!(p.rates_for(100).input_usd_per_mtok, 1.0);
        assert_eq!(p.rates_for(101).input_usd_per_mtok, 3.0);
        assert_eq!(p.rates_for(1000).input_usd_per_mtok, 3.0);
        assert_eq!(p.rates_for(1001).input_usd_per_mtok, 5.0);
    }

    #[test]
    fn lookup_order_and_kinds() {
        let flat = Price::flat(rates(1.0, None, 1.0));
        let t = PriceTable::from_entries(vec![
            entry("gpt-4o", &[], flat.clone()),
            entry("gpt-4o-2024-05-13", &[], flat.clone()),
            entry(
                "claude-3-5-sonnet-20241022",
                &["claude-3-5-sonnet"],
                flat.clone(),
            ),
        ]);
        let kind = |m: &str| t.lookup(m).map(|m| (m.entry.model.as_str(), m.kind));
        assert_eq!(kind("gpt-4o"), Some(("gpt-4o", MatchKind::Exact)));
        assert_eq!(kind(" gpt-4o "), Some(("gpt-4o", MatchKind::Exact)));
        assert_eq!(kind("GPT-4o"), Some(("gpt-4o", MatchKind::Pattern)));
        assert_eq!(
            kind("claude-3-5-sonnet"),
            Some(("claude-3-5-sonnet-20241022", MatchKind::Alias))
        );
        assert_eq!(
            kind("openai/gpt-4o"),
            Some(("gpt-4o", MatchKind::ProviderPrefix))
        );
        // A snapshot with its own row is not folded into the base model.
        assert_eq!(
            kind("gpt-4o-2024-05-13"),
            Some(("gpt-4o-2024-05-13", MatchKind::Exact))
        );
        assert_eq!(
            kind("gpt-4o-2024-08-06"),
            Some(("gpt-4o", MatchKind::DatedSnapshot))
        );
        assert_eq!(
            kind("claude-3-5-sonnet-latest"),
            Some(("claude-3-5-sonnet-20241022", MatchKind::Pattern))
        );
        assert_eq!(kind("gpt-4"), None);
        assert_eq!(kind(""), None);
    }

    #[test]
    fn overrides_replace_and_add() {
        let t = PriceTable::from_entries(vec![
            entry(
                "a",
                &["a-alias", "shared"],
                Price::flat(rates(1.0, None, 1.0)),
            ),
            entry("b", &[], Price::flat(rates(2.0, None, 2.0))),
        ]);
        let o = PriceTable::from_entries(vec![
            entry("b", &[], Price::flat(rates(9.0, None, 9.0))),
            entry("c", &["shared"], Price::flat(rates(3.0, None, 3.0))),
        ]);
        let m = t.with_overrides(&o);
        let names: Vec<&str> = m.entries().iter().map(|e| e.model.as_str()).collect();
        assert_eq!(names, ["a", "b", "c"]);
        assert_eq!(m.entries()[0].aliases, ["a-alias"]);
        assert_eq!(
            m.lookup("b").map(|m| m.entry.price.base.input_usd_per_mtok),
            Some(9.0)
        );
        assert_eq!(
            m.lookup("shared").map(|m| m.entry.model.as_str()),
            Some("c")
        );
        assert_eq!(
            m.lookup("a-alias").map(|m| m.entry.model.as_str()),
            Some("a")
        );
    }
}
