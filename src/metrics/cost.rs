//! Cost: the reported cost when the log has one, computed from the price table otherwise.
//! Run once after an import (and again when the prices change): it rewrites the table's
//! `cost_usd` to the effective cost and records each row's [`CostSource`], so every other
//! metric sums one column. Where a log reports a cost and the table prices the model too,
//! a difference of more than 1% is flagged, never silently chosen between.

use arrow::array::BooleanBufferBuilder;
use arrow::array::{Array, Float64Array, UInt8Array};
use arrow::buffer::NullBuffer;

use serde::Serialize;

use crate::pricing::{MatchKind, Price, PriceTable};
use crate::table::{Col, Table};

/// Where a row's cost comes from (the `cost_source` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum CostSource {
    /// No cost: no reported cost and no tokens to price.
    None = 0,
    /// Reported by the log (the price table agrees within 1%, or does not price it).
    Reported = 1,
    /// Computed from the price table.
    Computed = 2,
    /// Reported, and more than 1% away from the price table's figure.
    Mismatch = 3,
    /// Tokens but no reported cost, and the price table has no price for the model.
    Unpriced = 4,
}

impl CostSource {
    /// The source stored as `v`.
    pub fn from_u8(v: u8) -> CostSource {
        match v {
            1 => CostSource::Reported,
            2 => CostSource::Computed,
            3 => CostSource::Mismatch,
            4 => CostSource::Unpriced,
            _ => CostSource::None,
        }
    }
}

/// Relative difference beyond which a reported cost is flagged.
pub const MISMATCH_TOLERANCE: f64 = 0.01;

/// A row's (model, provider) dictionary keys.
type PairKey = (u32, Option<u32>);

/// Prices looked up once per (model, provider) pair of dictionary keys: one model name
/// may be sold by two hosts at different prices (Groq's and Together's Llama 4 Scout).
struct Prices<'t, 'p> {
    table: &'p PriceTable,
    models: Option<&'t arrow::array::StringArray>,
    providers: Option<&'t arrow::array::StringArray>,
    /// When the pairs are few (as they are): the price of each pair, at `model * width +
    /// provider slot` (0 for none, key + 1 otherwise); `None` until looked up. A hash per
    /// row was most of pricing a million records in wasm.
    dense: Vec<Option<Option<&'p Price>>>,
    width: usize,
    /// Otherwise by FxHash (SipHash was 7% of a 1M-record import's finish in wasm).
    cache: rustc_hash::FxHashMap<PairKey, Option<&'p Price>>,
}

/// At most this many (model, provider) pairs are cached densely.
const DENSE_PAIRS: usize = 1 << 16;

impl<'t, 'p> Prices<'t, 'p> {
    /// `dense_pairs`: at most this many pairs are cached densely ([`DENSE_PAIRS`]).
    fn new(t: &'t Table, table: &'p PriceTable, dense_pairs: usize) -> Self {
        let strings = |c: &'t crate::table::DictColumn| {
            c.values()
                .as_any()
                .downcast_ref::<arrow::array::StringArray>()
        };
        let width = t.provider.values().len() + 1;
        let pairs = t.model.values().len().saturating_mul(width);
        Prices {
            table,
            models: strings(&t.model),
            providers: strings(&t.provider),
            dense: if pairs <= dense_pairs {
                vec![None; pairs]
            } else {
                Vec::new()
            },
            width,
            cache: rustc_hash::FxHashMap::default(),
        }
    }

    /// The price of model key `model` as sold by provider key `provider`.
    fn of(&mut self, model: u32, provider: Option<u32>) -> Option<&'p Price> {
        let slot = model as usize * self.width + provider.map_or(0, |p| p as usize + 1);
        if let Some(Some(price)) = self.dense.get(slot) {
            return *price;
        }
        let (table, models, providers) = (self.table, self.models, self.providers);
        let look = || {
            let name = models?.value(model as usize);
            let host = provider.and_then(|p| providers.map(|a| a.value(p as usize)));
            table
                .lookup_with_provider(host.unwrap_or(""), name)
                .map(|m| &m.entry.price)
        };
        if slot < self.dense.len() {
            let price = look();
            self.dense[slot] = Some(price);
            price
        } else {
            *self.cache.entry((model, provider)).or_insert_with(look)
        }
    }
}

/// Prices the table: `cost_usd` becomes the effective cost, `cost_source` says where each
/// came from, and `cost_mismatch` keeps the computed cost of flagged rows.
pub fn apply_prices(t: &mut Table, prices: &PriceTable) {
    let n = t.len();
    let mut lookup = Prices::new(t, prices, DENSE_PAIRS);
    let mut cost = Vec::with_capacity(n);
    let mut cost_valid = BooleanBufferBuilder::new(n);
    let mut source = Vec::with_capacity(n);
    let mut mismatch = Vec::new();
    // Columns as slices and validity bits: an Array call per row and column (and Arrow's
    // builders) were most of this pass.
    let c = t.cols();
    let (models, providers) = (Col::of(t.model.keys()), Col::of(t.provider.keys()));
    let (costs, sources) = (c.cost_usd.values, c.cost_source);
    for i in 0..n {
        let was = CostSource::from_u8(sources[i]);
        // A reported cost stays in the column; a computed one is recomputed.
        let reported = matches!(was, CostSource::Reported | CostSource::Mismatch).then(|| costs[i]);
        let input = c.input_tokens.get(i).map(u64::from);
        let output = c.output_tokens.get(i).map(u64::from);
        let price = models.get(i).and_then(|m| lookup.of(m, providers.get(i)));
        let computed = match (price, input.is_some() || output.is_some()) {
            (Some(p), true) => {
                let input = input.unwrap_or(0);
                let cached = c.cached_input_tokens.get(i).map_or(0, u64::from);
                Some(p.cost(input, cached, output.unwrap_or(0), input))
            }
            _ => None,
        };
        let (value, src) = match (reported, computed) {
            (Some(r), Some(c)) if differs(r, c) => {
                mismatch.push((i as u32, c));
                (Some(r), CostSource::Mismatch)
            }
            (Some(r), _) => (Some(r), CostSource::Reported),
            (None, Some(c)) => (Some(c), CostSource::Computed),
            // Tokens to pay for, but no price: unknown, and said so (zero tokens cost
            // nothing whatever the price).
            (None, None) if input.unwrap_or(0) + output.unwrap_or(0) > 0 => {
                (None, CostSource::Unpriced)
            }
            (None, None) => (None, CostSource::None),
        };
        cost.push(value.unwrap_or(0.0));
        cost_valid.append(value.is_some());
        source.push(src as u8);
    }
    let nulls = NullBuffer::new(cost_valid.finish());
    // No null buffer when nothing is null, as Arrow's builders do.
    let nulls = (nulls.null_count() > 0).then_some(nulls);
    t.cost_usd = Float64Array::new(cost.into(), nulls);
    t.cost_source = UInt8Array::from(source);
    t.cost_mismatch = mismatch;
}

/// What the price table charges for one model of the loaded records (the page's price
/// editor lists these).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelPrice {
    /// The model as logged.
    pub model: String,
    /// Its provider as logged, when the records name one.
    pub provider: Option<String>,
    /// Requests of this model (and provider).
    pub requests: u64,
    /// The table's name the model resolved to; `None` when the table does not price it.
    pub priced_as: Option<String>,
    /// How it resolved.
    pub match_kind: Option<MatchKind>,
    /// USD per 1M input tokens (the base rate, below any context tier).
    pub input_usd_per_mtok: Option<f64>,
    /// USD per 1M cached input tokens, when the table has a separate price.
    pub cached_input_usd_per_mtok: Option<f64>,
    /// USD per 1M output tokens.
    pub output_usd_per_mtok: Option<f64>,
    /// From when the price is known to apply (`YYYY-MM-DD`).
    pub as_of: Option<String>,
    /// Whether long prompts cost more (context tiers above the base rate).
    pub tiered: bool,
}

/// The price of each (model, provider) of `t` under `prices`, most requests first (then by
/// name). Records without a model are left out: nothing prices them.
pub fn model_prices(t: &Table, prices: &PriceTable) -> Vec<ModelPrice> {
    let mut counts: rustc_hash::FxHashMap<(u32, Option<u32>), u64> = Default::default();
    let (models, providers) = (t.model.keys(), t.provider.keys());
    for i in 0..t.len() {
        if models.is_valid(i) {
            let provider = providers.is_valid(i).then(|| providers.value(i));
            *counts.entry((models.value(i), provider)).or_default() += 1;
        }
    }
    let text = |c: &crate::table::DictColumn, k: u32| {
        c.values()
            .as_any()
            .downcast_ref::<arrow::array::StringArray>()
            .map(|v| v.value(k as usize).to_string())
    };
    let mut out: Vec<ModelPrice> = counts
        .into_iter()
        .filter_map(|((m, p), requests)| {
            let model = text(&t.model, m)?;
            let provider = p.and_then(|p| text(&t.provider, p));
            let found = prices.lookup_with_provider(provider.as_deref().unwrap_or(""), &model);
            let base = found.map(|f| &f.entry.price.base);
            Some(ModelPrice {
                priced_as: found.map(|f| f.key.to_string()),
                match_kind: found.map(|f| f.kind),
                input_usd_per_mtok: base.map(|b| b.input_usd_per_mtok),
                cached_input_usd_per_mtok: base.and_then(|b| b.cached_input_usd_per_mtok),
                output_usd_per_mtok: base.map(|b| b.output_usd_per_mtok),
                as_of: found.and_then(|f| f.entry.as_of.clone()),
                tiered: found.is_some_and(|f| !f.entry.price.tiers.is_empty()),
                model,
                provider,
                requests,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.requests
            .cmp(&a.requests)
            .then_with(|| a.model.cmp(&b.model))
            .then_with(|| a.provider.cmp(&b.provider))
    });
    out
}

/// More than 1% apart (and more than a millionth of a dollar: logs round).
fn differs(reported: f64, computed: f64) -> bool {
    let d = (reported - computed).abs();
    d > 1e-6 && d > MISMATCH_TOLERANCE * computed.abs().max(reported.abs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::{Row, TableBuilder};

    #[test]
    fn model_prices_list_each_model_with_the_price_it_gets() {
        let mut b = TableBuilder::default();
        let row = |model, provider| Row {
            model: Some(model),
            provider,
            input_tokens: Some(10),
            ..Row::default()
        };
        for r in [
            row("gpt-4o-2024-08-06", Some("openai")),
            row("gpt-4o-2024-08-06", Some("openai")),
            row("my-own-model", None),
            row("gpt-4o-2024-08-06", None),
        ] {
            b.push(&r);
        }
        b.push(&Row::default());
        let t = b.finish();
        let own = PriceTable::from_litellm_json(
            r#"{"my-own-model": {"input_cost_per_token": 1e-6, "output_cost_per_token": 3e-6}}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        for (prices, own_input) in [
            (PriceTable::builtin().clone(), None),
            (PriceTable::builtin().with_overrides(&own), Some(1.0)),
        ] {
            let got = model_prices(&t, &prices);
            let names: Vec<(&str, Option<&str>, u64)> = got
                .iter()
                .map(|m| (m.model.as_str(), m.provider.as_deref(), m.requests))
                .collect();
            assert_eq!(
                names,
                [
                    ("gpt-4o-2024-08-06", Some("openai"), 2),
                    ("gpt-4o-2024-08-06", None, 1),
                    ("my-own-model", None, 1)
                ]
            );
            // The dated snapshot resolves to gpt-4o's list price: $2.50 / $1.25 / $10.
            assert_eq!(got[0].priced_as.as_deref(), Some("gpt-4o"));
            assert_eq!(got[0].match_kind, Some(MatchKind::DatedSnapshot));
            assert_eq!(
                (
                    got[0].input_usd_per_mtok,
                    got[0].cached_input_usd_per_mtok,
                    got[0].output_usd_per_mtok
                ),
                (Some(2.5), Some(1.25), Some(10.0))
            );
            assert_eq!(got[0].as_of.as_deref(), Some("2024-10-01"));
            assert_eq!(got[2].input_usd_per_mtok, own_input);
            assert_eq!(got[2].priced_as.is_some(), own_input.is_some());
        }
    }

    #[test]
    fn dense_and_hashed_price_caches_agree() {
        let mut b = TableBuilder::default();
        for (model, provider) in [
            ("gpt-4o", Some("openai")),
            ("gpt-4o", None),
            ("meta-llama/llama-4-scout-17b-16e-instruct", Some("groq")),
            (
                "meta-llama/llama-4-scout-17b-16e-instruct",
                Some("together_ai"),
            ),
            ("my-own-model", None),
            ("gpt-4o", Some("openai")),
        ] {
            b.push(&Row {
                model: Some(model),
                provider,
                ..Row::default()
            });
        }
        let t = b.finish();
        let table = PriceTable::builtin();
        let (mut dense, mut hashed) = (
            Prices::new(&t, table, DENSE_PAIRS),
            Prices::new(&t, table, 0),
        );
        assert!(!dense.dense.is_empty() && hashed.dense.is_empty());
        let (models, providers) = (t.model.keys(), t.provider.keys());
        let mut priced = Vec::new();
        for i in 0..t.len() {
            let provider = providers.is_valid(i).then(|| providers.value(i));
            let a = dense.of(models.value(i), provider);
            // Twice: the second answer comes from the cache.
            assert_eq!(a, dense.of(models.value(i), provider));
            assert_eq!(a, hashed.of(models.value(i), provider));
            priced.push(a.map(|p| p.base.input_usd_per_mtok));
        }
        // Groq's and Together's prices for one model differ; my-own-model has none.
        assert_eq!(
            priced,
            [
                Some(2.5),
                Some(2.5),
                Some(0.11),
                Some(0.18),
                None,
                Some(2.5)
            ]
        );
    }

    #[test]
    fn reported_computed_flagged_and_unpriced() {
        let mut b = TableBuilder::default();
        let row = |model, cost, input, output| Row {
            model: Some(model),
            cost_usd: cost,
            input_tokens: input,
            output_tokens: output,
            ..Row::default()
        };
        // gpt-4o: $2.50 in, $10 out per 1M tokens.
        b.push(&row("gpt-4o", None, Some(1000), Some(100))); // computed 0.0035
        b.push(&row("gpt-4o", Some(0.0035), Some(1000), Some(100))); // agrees
        b.push(&row("gpt-4o", Some(0.01), Some(1000), Some(100))); // flagged
        b.push(&row("my-own-model", None, Some(5), Some(5))); // unpriced
        b.push(&row("my-own-model", Some(0.2), None, None)); // reported only
        b.push(&row("gpt-4o", None, None, None)); // nothing to price
        let mut t = b.finish();
        apply_prices(&mut t, PriceTable::builtin());
        let src: Vec<u8> = t.cost_source.values().to_vec();
        assert_eq!(src, [2, 1, 3, 4, 1, 0]);
        assert!((t.cost_usd.value(0) - 0.0035).abs() < 1e-15);
        assert_eq!(t.cost_usd.value(2), 0.01);
        assert!(!t.cost_usd.is_valid(3));
        assert_eq!(t.cost_mismatch.len(), 1);
        assert_eq!(t.cost_mismatch[0].0, 2);
        // Pricing again (new overrides) keeps reported costs and recomputes the rest.
        apply_prices(&mut t, PriceTable::builtin());
        assert_eq!(t.cost_source.values().to_vec(), src);
        assert_eq!(t.cost_usd.value(2), 0.01);
    }
}
