//! LiteLLM's price file (`model_prices_and_context_window.json`): per-token prices keyed by
//! model name. Read into entries and written back from them.

use serde_json::{Map, Value};

use super::{Entry, Price, PriceError, Rates, Tier};

const INPUT: &str = "input_cost_per_token";
const OUTPUT: &str = "output_cost_per_token";
const CACHED: &str = "cache_read_input_token_cost";
/// Tier keys are `<base key>_above_<N>k_tokens`.
const ABOVE: &str = "_above_";
const K_TOKENS: &str = "k_tokens";

/// Modes priced per token; the others (images, audio, rerank, …) are priced otherwise.
const TOKEN_MODES: [&str; 4] = ["chat", "completion", "responses", "embedding"];

/// `x` × 10^`exp`, shifted in decimal so that `2.5e-6` per token is exactly `2.5` per 1M
/// (a float multiplication would give 2.5000000000000004 for some prices).
fn shift(x: f64, exp: i32) -> f64 {
    let s = format!("{x:e}");
    if let Some((mantissa, e)) = s.split_once('e') {
        if let Ok(e) = e.parse::<i32>() {
            if let Ok(v) = format!("{mantissa}e{}", e + exp).parse::<f64>() {
                return v;
            }
        }
    }
    x * 10f64.powi(exp)
}

/// A per-token price field as USD per 1M tokens, when it is a usable number.
fn per_mtok(spec: &Map<String, Value>, key: &str) -> Option<f64> {
    spec.get(key)
        .and_then(Value::as_f64)
        .filter(|v| v.is_finite() && *v >= 0.0)
        .map(|v| shift(v, 6))
}

fn per_token(usd_per_mtok: f64) -> Value {
    Value::from(shift(usd_per_mtok, -6))
}

/// The entries of a LiteLLM price file, in its key order.
pub fn import(text: &str) -> Result<Vec<Entry>, PriceError> {
    let doc: Value = serde_json::from_str(text).map_err(|e| PriceError::LiteLlm(e.to_string()))?;
    let Some(models) = doc.as_object() else {
        return Err(PriceError::LiteLlm(
            "the top level is not an object of models".into(),
        ));
    };
    let mut out = Vec::new();
    for (name, spec) in models {
        let Some(spec) = spec.as_object() else {
            continue;
        };
        let mode = spec.get("mode").and_then(Value::as_str);
        if name == "sample_spec" || mode.is_some_and(|m| !TOKEN_MODES.contains(&m)) {
            continue;
        }
        let (input, output) = (per_mtok(spec, INPUT), per_mtok(spec, OUTPUT));
        if input.is_none() && output.is_none() {
            continue;
        }
        let base = Rates {
            input_usd_per_mtok: input.unwrap_or(0.0),
            cached_input_usd_per_mtok: per_mtok(spec, CACHED),
            output_usd_per_mtok: output.unwrap_or(0.0),
        };
        let mut tiers: Vec<Tier> = spec
            .keys()
            .filter_map(|k| {
                let n = k.strip_prefix(INPUT)?.strip_prefix(ABOVE)?;
                n.strip_suffix(K_TOKENS)?.parse::<u64>().ok()
            })
            .filter(|&k| k > 0)
            .filter_map(|k| {
                let above = |key: &str| per_mtok(spec, &format!("{key}{ABOVE}{k}{K_TOKENS}"));
                Some(Tier {
                    above_context_tokens: k.checked_mul(1000)?,
                    rates: Rates {
                        input_usd_per_mtok: above(INPUT)?,
                        cached_input_usd_per_mtok: above(CACHED).or(base.cached_input_usd_per_mtok),
                        output_usd_per_mtok: above(OUTPUT).unwrap_or(base.output_usd_per_mtok),
                    },
                })
            })
            .collect();
        tiers.sort_by_key(|t| t.above_context_tokens);
        tiers.dedup_by_key(|t| t.above_context_tokens);
        let provider = spec.get("litellm_provider").and_then(Value::as_str);
        out.push(Entry {
            provider: provider.unwrap_or_default().to_string(),
            model: name.clone(),
            aliases: Vec::new(),
            as_of: None,
            price: Price { base, tiers },
        });
    }
    Ok(out)
}

/// The entries as a LiteLLM price file. A tier whose threshold is not a whole number of
/// thousands has no LiteLLM key and is left out.
pub fn export(entries: &[Entry]) -> String {
    let mut models = Map::new();
    for e in entries {
        let mut spec = Map::new();
        let b = &e.price.base;
        spec.insert(INPUT.into(), per_token(b.input_usd_per_mtok));
        spec.insert(OUTPUT.into(), per_token(b.output_usd_per_mtok));
        if let Some(c) = b.cached_input_usd_per_mtok {
            spec.insert(CACHED.into(), per_token(c));
        }
        for t in &e.price.tiers {
            if t.above_context_tokens % 1000 != 0 {
                continue;
            }
            let k = t.above_context_tokens / 1000;
            let key = |base: &str| format!("{base}{ABOVE}{k}{K_TOKENS}");
            spec.insert(key(INPUT), per_token(t.rates.input_usd_per_mtok));
            spec.insert(key(OUTPUT), per_token(t.rates.output_usd_per_mtok));
            if let Some(c) = t.rates.cached_input_usd_per_mtok {
                spec.insert(key(CACHED), per_token(c));
            }
        }
        spec.insert("litellm_provider".into(), Value::from(e.provider.as_str()));
        let mode = if e.model.to_lowercase().contains("embed") {
            "embedding"
        } else {
            "chat"
        };
        spec.insert("mode".into(), Value::from(mode));
        models.insert(e.model.clone(), Value::Object(spec));
    }
    format!("{:#}", Value::Object(models))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_shift_is_exact() {
        assert_eq!(shift(2.5e-6, 6), 2.5);
        assert_eq!(shift(1.25e-7, 6), 0.125);
        assert_eq!(shift(3.5e-8, 6), 0.035);
        assert_eq!(shift(0.0, 6), 0.0);
        assert_eq!(shift(0.035, -6), 3.5e-8);
        assert_eq!(shift(22.5, -6), 2.25e-5);
    }

    #[test]
    fn reads_the_litellm_shape() {
        let text = r#"{
            "sample_spec": {"input_cost_per_token": 0.0, "output_cost_per_token": 0.0, "mode": "chat"},
            "gpt-4o": {"input_cost_per_token": 2.5e-06, "output_cost_per_token": 1e-05,
                       "cache_read_input_token_cost": 1.25e-06, "litellm_provider": "openai",
                       "mode": "chat", "max_tokens": 16384},
            "gemini-2.5-pro": {"input_cost_per_token": 1.25e-06, "output_cost_per_token": 1e-05,
                       "input_cost_per_token_above_200k_tokens": 2.5e-06,
                       "output_cost_per_token_above_200k_tokens": 1.5e-05,
                       "litellm_provider": "gemini", "mode": "chat"},
            "dall-e-3": {"output_cost_per_image": 0.04, "litellm_provider": "openai",
                       "mode": "image_generation"},
            "rerank": {"input_cost_per_token": 0.0, "output_cost_per_token": 0.0, "mode": "rerank"},
            "text-embedding-3-small": {"input_cost_per_token": 2e-08, "litellm_provider": "openai",
                       "mode": "embedding"},
            "odd": {"input_cost_per_token": "free", "mode": "chat"},
            "broken": 7
        }"#;
        let got = import(text);
        assert!(got.is_ok(), "{got:?}");
        let got = got.unwrap_or_default();
        let names: Vec<&str> = got.iter().map(|e| e.model.as_str()).collect();
        assert_eq!(
            names,
            ["gemini-2.5-pro", "gpt-4o", "text-embedding-3-small"]
        );
        let gemini = &got[0].price;
        assert_eq!(gemini.base.input_usd_per_mtok, 1.25);
        assert_eq!(gemini.tiers.len(), 1);
        assert_eq!(gemini.tiers[0].above_context_tokens, 200_000);
        assert_eq!(gemini.tiers[0].rates.input_usd_per_mtok, 2.5);
        assert_eq!(gemini.tiers[0].rates.output_usd_per_mtok, 15.0);
        assert_eq!(got[1].price.base.cached_input_usd_per_mtok, Some(1.25));
        assert_eq!(got[1].provider, "openai");
        assert_eq!(got[2].price.base.output_usd_per_mtok, 0.0);
        assert_eq!(got[2].price.base.input_usd_per_mtok, 0.02);
    }

    #[test]
    fn rejects_what_is_not_a_price_file() {
        assert!(matches!(import("[1, 2]"), Err(PriceError::LiteLlm(_))));
        assert!(matches!(import("{"), Err(PriceError::LiteLlm(_))));
        assert_eq!(import("{}"), Ok(Vec::new()));
    }
}
