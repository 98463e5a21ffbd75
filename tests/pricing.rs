#![cfg(not(target_arch = "wasm32"))]
// Integration tests unwrap: a panic is a failed test, which is what we want.
#![allow(clippy::unwrap_used)]
//! The built-in price table: every row sane, every matching rule on real model names, costs
//! computed by hand for 20+ models, context tiers, the LiteLLM round trip, and bad rows
//! reported with their line.

use std::collections::HashMap;

use proptest::prelude::*;
use tokenlens::pricing::{MatchKind, PriceError, PriceTable, BUILTIN_CSV, CSV_HEADER};

fn table() -> &'static PriceTable {
    PriceTable::builtin()
}

/// (entry name, kind) that `model` resolves to.
fn resolve(model: &str) -> Option<(&'static str, MatchKind)> {
    table()
        .lookup(model)
        .map(|m| (m.entry.model.as_str(), m.kind))
}

#[test]
fn builtin_has_at_least_170_models_and_parses_from_its_file() {
    let t = table();
    assert!(t.len() >= 170, "only {} models", t.len());
    assert_eq!(PriceTable::from_csv(BUILTIN_CSV).unwrap(), *t);
    // Every row is a model or a context tier of one: count them independently of the parser.
    let rows = BUILTIN_CSV
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .count()
        - 1;
    let tiers: usize = t.entries().iter().map(|e| e.price.tiers.len()).sum();
    assert_eq!(t.len() + tiers, rows);
    assert!(BUILTIN_CSV.contains(CSV_HEADER));
}

#[test]
fn every_price_is_finite_and_not_negative_and_every_row_is_dated() {
    for e in table().entries() {
        let all_rates =
            std::iter::once(&e.price.base).chain(e.price.tiers.iter().map(|t| &t.rates));
        for r in all_rates {
            let prices = [
                Some(r.input_usd_per_mtok),
                r.cached_input_usd_per_mtok,
                Some(r.output_usd_per_mtok),
            ];
            for p in prices.into_iter().flatten() {
                assert!(p.is_finite() && p >= 0.0, "{}: {p}", e.model);
            }
            // A cache read never costs more than an uncached read.
            if let Some(c) = r.cached_input_usd_per_mtok {
                assert!(c <= r.input_usd_per_mtok, "{}", e.model);
            }
        }
        // A long-context tier costs more than the base, never less.
        for t in &e.price.tiers {
            assert!(t.rates.input_usd_per_mtok > e.price.base.input_usd_per_mtok);
        }
        let as_of = e.as_of.as_deref().unwrap();
        assert!(
            ("2022-01-01"..="2026-12-31").contains(&as_of),
            "{}",
            e.model
        );
        assert!(!e.provider.is_empty());
    }
}

#[test]
fn no_name_or_alias_is_used_twice() {
    let mut seen: HashMap<String, &str> = HashMap::new();
    for e in table().entries() {
        for key in std::iter::once(&e.model).chain(&e.aliases) {
            if let Some(other) = seen.insert(key.to_lowercase(), &e.model) {
                panic!("`{key}` names both {other} and {}", e.model);
            }
        }
    }
}

#[test]
fn every_name_and_alias_resolves_to_its_own_entry() {
    for e in table().entries() {
        assert_eq!(
            resolve(&e.model),
            Some((e.model.as_str(), MatchKind::Exact))
        );
        for a in &e.aliases {
            assert_eq!(resolve(a), Some((e.model.as_str(), MatchKind::Alias)));
        }
        // Any routing prefix, any letter case: still the same entry.
        for routed in [format!("openrouter/{}", e.model), e.model.to_uppercase()] {
            assert_eq!(
                resolve(&routed).map(|(name, _)| name),
                Some(e.model.as_str()),
                "{routed}"
            );
        }
    }
}

#[test]
fn the_requested_providers_and_families_are_covered() {
    let providers = [
        "openai",
        "anthropic",
        "google",
        "mistral",
        "cohere",
        "deepseek",
        "xai",
        "bedrock",
        "together",
        "groq",
        "fireworks",
    ];
    for p in providers {
        assert!(
            table().entries().iter().any(|e| e.provider == p),
            "no {p} model"
        );
    }
    let names = [
        "gpt-4o",
        "gpt-4o-mini",
        "gpt-4.1",
        "gpt-4.1-mini",
        "gpt-4.1-nano",
        "o1",
        "o3",
        "o3-mini",
        "o4-mini",
        "gpt-3.5-turbo",
        "gpt-4-turbo",
        "gpt-5",
        "gpt-5-mini",
        "gpt-5-nano",
        "text-embedding-3-small",
        "claude-3-haiku",
        "claude-3-opus",
        "claude-3-5-sonnet",
        "claude-3-5-haiku",
        "claude-3-7-sonnet",
        "claude-sonnet-4",
        "claude-opus-4",
        "claude-opus-4-1",
        "claude-sonnet-4-5",
        "claude-haiku-4-5",
        "claude-opus-4-5",
        "gemini-1.5-pro",
        "gemini-1.5-flash",
        "gemini-2.0-flash",
        "gemini-2.0-flash-lite",
        "gemini-2.5-pro",
        "gemini-2.5-flash",
        "gemini-2.5-flash-lite",
        "mistral-large",
        "mistral-medium",
        "mistral-small",
        "codestral",
        "ministral-8b",
        "pixtral-large",
        "mistral-nemo",
        "command-r",
        "command-r-plus",
        "command-a",
        "deepseek-chat",
        "deepseek-reasoner",
        "grok-2",
        "grok-3",
        "grok-3-mini",
        "grok-4",
        "amazon.nova-pro-v1:0",
        "amazon.nova-lite-v1:0",
        "amazon.nova-micro-v1:0",
        "meta.llama3-1-70b-instruct-v1:0",
        "meta-llama/Llama-3.3-70B-Instruct-Turbo",
        "llama-3.3-70b-versatile",
        "accounts/fireworks/models/llama-v3p1-405b-instruct",
        "meta.llama4-maverick-17b-instruct-v1:0",
        "gpt-35-turbo",
    ];
    for n in names {
        assert!(
            matches!(resolve(n), Some((_, MatchKind::Exact | MatchKind::Alias))),
            "{n}: {:?}",
            resolve(n)
        );
    }
}

#[test]
fn matching_rules_on_real_names() {
    use MatchKind::*;
    let cases: &[(&str, Option<(&str, MatchKind)>)] = &[
        // Exact and alias.
        ("gpt-4o", Some(("gpt-4o", Exact))),
        (
            "anthropic.claude-3-5-sonnet-20241022-v2:0",
            Some(("claude-3-5-sonnet-20241022", Alias)),
        ),
        (
            "claude-3-5-sonnet",
            Some(("claude-3-5-sonnet-20241022", Alias)),
        ),
        ("gpt-35-turbo", Some(("gpt-3.5-turbo", Alias))),
        // A snapshot with a price of its own matches its own row.
        ("gpt-4o-2024-05-13", Some(("gpt-4o-2024-05-13", Exact))),
        // Provider and routing prefixes.
        ("openai/gpt-4o-mini", Some(("gpt-4o-mini", ProviderPrefix))),
        ("azure/gpt-4o", Some(("gpt-4o", ProviderPrefix))),
        (
            "azure/gpt-35-turbo",
            Some(("gpt-3.5-turbo", ProviderPrefix)),
        ),
        (
            "models/gemini-1.5-pro",
            Some(("gemini-1.5-pro", ProviderPrefix)),
        ),
        (
            "gemini/gemini-2.5-flash",
            Some(("gemini-2.5-flash", ProviderPrefix)),
        ),
        (
            "bedrock/anthropic.claude-3-5-sonnet-20241022-v2:0",
            Some(("claude-3-5-sonnet-20241022", ProviderPrefix)),
        ),
        (
            "us.anthropic.claude-3-7-sonnet-20250219-v1:0",
            Some(("claude-3-7-sonnet-20250219", ProviderPrefix)),
        ),
        (
            "bedrock/us.amazon.nova-pro-v1:0",
            Some(("amazon.nova-pro-v1:0", ProviderPrefix)),
        ),
        (
            "together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo",
            Some(("meta-llama/Llama-3.3-70B-Instruct-Turbo", ProviderPrefix)),
        ),
        (
            "openrouter/anthropic/claude-3.5-sonnet",
            Some(("claude-3-5-sonnet-20241022", ProviderPrefix)),
        ),
        (
            "groq/llama-3.3-70b-versatile",
            Some(("llama-3.3-70b-versatile", ProviderPrefix)),
        ),
        // Dated snapshots without a row of their own.
        ("gpt-4o-2024-08-06", Some(("gpt-4o", DatedSnapshot))),
        ("gpt-4o-2024-11-20", Some(("gpt-4o", DatedSnapshot))),
        (
            "gpt-4o-mini-2024-07-18",
            Some(("gpt-4o-mini", DatedSnapshot)),
        ),
        ("gpt-4.1-2025-04-14", Some(("gpt-4.1", DatedSnapshot))),
        ("o3-mini-2025-01-31", Some(("o3-mini", DatedSnapshot))),
        ("gpt-4-0613", Some(("gpt-4", DatedSnapshot))),
        ("gpt-3.5-turbo-0125", Some(("gpt-3.5-turbo", DatedSnapshot))),
        ("gpt-35-turbo-0125", Some(("gpt-3.5-turbo", DatedSnapshot))),
        ("azure/gpt-4o-2024-08-06", Some(("gpt-4o", DatedSnapshot))),
        (
            "magistral-medium-2509",
            Some(("magistral-medium-2506", DatedSnapshot)),
        ),
        // Case, -latest, @version, :version, Bedrock's -vN and vendor prefix, -00N.
        ("GPT-4O", Some(("gpt-4o", Pattern))),
        (
            "Claude-3-5-Sonnet-20241022",
            Some(("claude-3-5-sonnet-20241022", Pattern)),
        ),
        (
            "claude-3-5-sonnet-latest",
            Some(("claude-3-5-sonnet-20241022", Pattern)),
        ),
        (
            "claude-3-7-sonnet-latest",
            Some(("claude-3-7-sonnet-20250219", Pattern)),
        ),
        (
            "mistral-large-latest",
            Some(("mistral-large-2411", Pattern)),
        ),
        ("gemini-1.5-pro-latest", Some(("gemini-1.5-pro", Pattern))),
        ("grok-4-latest", Some(("grok-4-0709", Pattern))),
        (
            "claude-3-5-sonnet-v2@20241022",
            Some(("claude-3-5-sonnet-20241022", Pattern)),
        ),
        (
            "vertex_ai/claude-sonnet-4@20250514",
            Some(("claude-sonnet-4-20250514", Pattern)),
        ),
        (
            "anthropic.claude-sonnet-4-5-20250929-v2:0",
            Some(("claude-sonnet-4-5-20250929", Pattern)),
        ),
        ("gemini-2.5-pro:1", Some(("gemini-2.5-pro", Pattern))),
        ("gemini-2.5-flash-002", Some(("gemini-2.5-flash", Pattern))),
        // Unknown, fine-tuned and local models are unpriced, never guessed.
        ("my-own-model", None),
        ("ft:gpt-4o-mini-2024-07-18:acme::9abc", None),
        ("llama3.1:70b", None),
        ("llama-3.1-70b", None),
        ("gemini-2.5-flash-preview-05-20", None),
        ("", None),
    ];
    for (model, want) in cases {
        assert_eq!(resolve(model), *want, "{model}");
    }
}

#[test]
fn the_same_name_at_two_hosts_resolves_by_provider() {
    let t = table();
    let bare = "meta-llama/llama-4-scout-17b-16e-instruct";
    let together = t.lookup(bare).unwrap();
    assert_eq!(together.entry.provider, "together");
    assert_eq!(together.kind, MatchKind::Pattern);
    let groq = t.lookup_with_provider("groq", bare).unwrap();
    assert_eq!(groq.entry.provider, "groq");
    assert_eq!(groq.entry.price.base.input_usd_per_mtok, 0.11);
    // A provider that adds nothing falls back to the plain lookup.
    let m = t.lookup_with_provider("openai", "gpt-4o").unwrap();
    assert_eq!(
        (m.entry.model.as_str(), m.kind),
        ("gpt-4o", MatchKind::Exact)
    );
    assert!(t.lookup_with_provider("openai", "nope").is_none());
}

/// Hand-computed costs: tokens × USD per 1M tokens / 1e6, each worked out in the comment.
#[test]
fn costs_computed_by_hand() {
    // (model, input incl. cached, cached, output incl. reasoning, expected USD)
    let cases: &[(&str, u64, u64, u64, f64)] = &[
        // 1000 × 2.5 + 500 × 10 = 7500
        ("gpt-4o", 1_000, 0, 500, 0.0075),
        // 6000 × 0.15 + 4000 × 0.075 + 2000 × 0.6 = 900 + 300 + 1200 = 2400
        ("gpt-4o-mini", 10_000, 4_000, 2_000, 0.0024),
        // 10000 × 2 + 10000 × 0.5 + 1000 × 8 = 20000 + 5000 + 8000 = 33000
        ("gpt-4.1", 20_000, 10_000, 1_000, 0.033),
        // 5000 × 2 + 8000 × 8 = 10000 + 64000 = 74000
        ("o3", 5_000, 0, 8_000, 0.074),
        // 1000 × 15 + 1000 × 7.5 + 3000 × 60 = 15000 + 7500 + 180000 = 202500
        ("o1", 2_000, 1_000, 3_000, 0.2025),
        // 50000 × 1.25 + 50000 × 0.125 + 10000 × 10 = 62500 + 6250 + 100000 = 168750
        ("gpt-5", 100_000, 50_000, 10_000, 0.16875),
        // 1500 × 0.5 + 500 × 1.5 = 750 + 750 = 1500
        ("gpt-3.5-turbo", 1_500, 0, 500, 0.0015),
        // 1000 × 30 + 1000 × 60 = 90000
        ("gpt-4", 1_000, 0, 1_000, 0.09),
        // 2000 × 3 + 8000 × 0.3 + 1000 × 15 = 6000 + 2400 + 15000 = 23400
        ("claude-3-5-sonnet-20241022", 10_000, 8_000, 1_000, 0.0234),
        // 100000 × 0.25 + 10000 × 1.25 = 25000 + 12500 = 37500
        ("claude-3-haiku-20240307", 100_000, 0, 10_000, 0.0375),
        // 2000 × 15 + 2000 × 1.5 + 1000 × 75 = 30000 + 3000 + 75000 = 108000
        ("claude-opus-4-1-20250805", 4_000, 2_000, 1_000, 0.108),
        // No cache price: cached tokens cost the input price. 1000 × 3 + 100 × 15 = 4500
        ("claude-3-sonnet-20240229", 1_000, 500, 100, 0.0045),
        // 3000 × 1 + 1000 × 0.1 + 2000 × 5 = 3000 + 100 + 10000 = 13100
        ("claude-haiku-4-5-20251001", 4_000, 1_000, 2_000, 0.0131),
        // 50000 × 0.075 + 2000 × 0.3 = 3750 + 600 = 4350
        ("gemini-1.5-flash", 50_000, 0, 2_000, 0.00435),
        // 100000 × 0.1 + 100000 × 0.025 + 5000 × 0.4 = 10000 + 2500 + 2000 = 14500
        ("gemini-2.0-flash", 200_000, 100_000, 5_000, 0.0145),
        // 3000 × 2 + 1000 × 6 = 6000 + 6000 = 12000
        ("mistral-large-2411", 3_000, 0, 1_000, 0.012),
        // 400000 × 0.28 + 600000 × 0.028 + 100000 × 0.42 = 112000 + 16800 + 42000 = 170800
        ("deepseek-chat", 1_000_000, 600_000, 100_000, 0.1708),
        // 5000 × 3 + 5000 × 0.75 + 2000 × 15 = 15000 + 3750 + 30000 = 48750
        ("grok-3", 10_000, 5_000, 2_000, 0.04875),
        // 10000 × 0.8 + 2000 × 3.2 = 8000 + 6400 = 14400
        ("amazon.nova-pro-v1:0", 10_000, 0, 2_000, 0.0144),
        // 5000 × 0.72 + 1000 × 0.72 = 3600 + 720 = 4320
        ("meta.llama3-1-70b-instruct-v1:0", 5_000, 0, 1_000, 0.00432),
        // 10000 × 0.15 + 1000 × 0.6 = 1500 + 600 = 2100
        ("command-r-08-2024", 10_000, 0, 1_000, 0.0021),
        // 100000 × 0.59 + 20000 × 0.79 = 59000 + 15800 = 74800
        ("llama-3.3-70b-versatile", 100_000, 0, 20_000, 0.0748),
        // 1000000 × 0.02 = 20000
        ("text-embedding-3-small", 1_000_000, 0, 0, 0.02),
        // 8000 × 0.3 + 2000 × 0.03 + 4000 × 2.5 = 2400 + 60 + 10000 = 12460
        ("gemini-2.5-flash", 10_000, 2_000, 4_000, 0.01246),
    ];
    assert!(cases.len() >= 20);
    for &(model, input, cached, output, want) in cases {
        let m = table().lookup(model).unwrap();
        assert_eq!(m.kind, MatchKind::Exact, "{model}");
        let got = m.entry.price.cost(input, cached, output, input);
        assert!((got - want).abs() <= 1e-12, "{model}: {got} != {want}");
    }
}

#[test]
fn context_tiers_pick_the_long_prompt_prices() {
    let price = |m: &str| &table().lookup(m).unwrap().entry.price;
    // Gemini 2.5 Pro: > 200k prompt tokens bills the whole request at 2.5 / 0.25 / 15.
    let g = price("gemini-2.5-pro");
    // 200000 × 1.25 + 10000 × 10 = 250000 + 100000 = 350000
    assert!((g.cost(200_000, 0, 10_000, 200_000) - 0.35).abs() <= 1e-12);
    // 300000 × 2.5 + 10000 × 15 = 750000 + 150000 = 900000
    assert!((g.cost(300_000, 0, 10_000, 300_000) - 0.9).abs() <= 1e-12);
    // 200001 - 100000 = 100001 × 2.5 + 100000 × 0.25 = 250002.5 + 25000 = 275002.5
    assert!((g.cost(200_001, 100_000, 0, 200_001) - 0.2750025).abs() <= 1e-12);
    // Gemini 1.5 Pro's tier starts above 128k.
    let p = price("gemini-1.5-pro");
    assert_eq!(p.rates_for(128_000).input_usd_per_mtok, 1.25);
    assert_eq!(p.rates_for(128_001).input_usd_per_mtok, 2.5);
    // Claude Sonnet 4.5 above 200k: 6 / 0.6 / 22.5.
    let s = price("claude-sonnet-4-5");
    let long = s.rates_for(250_000);
    assert_eq!(
        (
            long.input_usd_per_mtok,
            long.cached_input_usd_per_mtok,
            long.output_usd_per_mtok
        ),
        (6.0, Some(0.6), 22.5)
    );
    assert_eq!(s.rates_for(200_000).input_usd_per_mtok, 3.0);
    // The tier follows the prompt size given, not the input tokens billed.
    // 1000 × 6 = 6000
    assert!((s.cost(1_000, 0, 0, 250_000) - 0.006).abs() <= 1e-12);
    // Tiered models in the built-in table.
    let tiered: Vec<&str> = table()
        .entries()
        .iter()
        .filter(|e| !e.price.tiers.is_empty())
        .map(|e| e.model.as_str())
        .collect();
    assert!(tiered.contains(&"gemini-1.5-flash"));
    assert!(tiered.contains(&"claude-sonnet-4-20250514"));
    assert!(tiered.contains(&"gemini-3-pro-preview"));
}

#[test]
fn litellm_round_trip_keeps_names_providers_and_exact_prices() {
    let t = table();
    let json = t.to_litellm_json();
    let back = PriceTable::from_litellm_json(&json).unwrap();
    assert_eq!(back.len(), t.len());
    for e in t.entries() {
        let m = back.lookup(&e.model).unwrap();
        assert_eq!(m.kind, MatchKind::Exact, "{}", e.model);
        assert_eq!(m.entry.provider, e.provider);
        // Exact equality: the per-token conversion is a decimal shift, not a float product.
        assert_eq!(m.entry.price, e.price, "{}", e.model);
        assert!(m.entry.aliases.is_empty() && m.entry.as_of.is_none());
    }
    // The JSON is LiteLLM's shape.
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let gpt = &v["gpt-4o"];
    assert_eq!(gpt["input_cost_per_token"], 2.5e-6);
    assert_eq!(gpt["output_cost_per_token"], 1e-5);
    assert_eq!(gpt["cache_read_input_token_cost"], 1.25e-6);
    assert_eq!(gpt["litellm_provider"], "openai");
    assert_eq!(gpt["mode"], "chat");
    assert_eq!(v["text-embedding-3-large"]["mode"], "embedding");
    let pro = &v["gemini-2.5-pro"];
    assert_eq!(pro["input_cost_per_token_above_200k_tokens"], 2.5e-6);
    assert_eq!(pro["output_cost_per_token_above_200k_tokens"], 1.5e-5);
    assert_eq!(pro["cache_read_input_token_cost_above_200k_tokens"], 2.5e-7);
}

#[test]
fn litellm_import_overrides_the_builtin_prices() {
    let custom = PriceTable::from_litellm_json(
        r#"{
            "sample_spec": {"input_cost_per_token": 0.0},
            "gpt-4o": {"input_cost_per_token": 2e-06, "output_cost_per_token": 8e-06,
                       "litellm_provider": "openai", "mode": "chat"},
            "my-model": {"input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06,
                       "litellm_provider": "self-hosted", "mode": "chat"}
        }"#,
    )
    .unwrap();
    assert_eq!(custom.len(), 2);
    let merged = table().with_overrides(&custom);
    assert_eq!(merged.len(), table().len() + 1);
    let gpt = merged.lookup("gpt-4o").unwrap();
    assert_eq!(gpt.entry.price.base.input_usd_per_mtok, 2.0);
    assert_eq!(gpt.entry.price.base.cached_input_usd_per_mtok, None);
    // Rules still apply to the overriding entry.
    let snap = merged.lookup("gpt-4o-2024-08-06").unwrap();
    assert_eq!(snap.entry.price.base.output_usd_per_mtok, 8.0);
    assert_eq!(
        merged.lookup("my-model").unwrap().entry.provider,
        "self-hosted"
    );
    // Entries that were not overridden keep their aliases.
    assert_eq!(
        merged.lookup("claude-3-5-sonnet").unwrap().entry.model,
        "claude-3-5-sonnet-20241022"
    );
}

#[test]
fn a_bad_row_reports_its_line() {
    let text = format!(
        "# a comment\n{CSV_HEADER}\n\
         openai,gpt-4o,2.5,1.25,10,,2024-10-01,\n\
         \n\
         openai,gpt-4o-mini,0.15,0.075,zero point six,,2024-10-01,\n"
    );
    let err = PriceTable::from_csv(&text).unwrap_err();
    assert_eq!(
        err,
        PriceError::Row {
            line: 5,
            reason: "output_usd_per_mtok is not a price (a number >= 0): `zero point six`".into()
        }
    );
    assert_eq!(
        err.to_string(),
        "price table line 5: output_usd_per_mtok is not a price (a number >= 0): `zero point six`"
    );
    // The built-in file with one row broken reports that row's line.
    let mut lines: Vec<&str> = BUILTIN_CSV.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains(",gpt-4.1-mini,"))
        .unwrap();
    lines[at] = "openai,gpt-4.1-mini,0.4,0.1,1.6,,2025-04-31x,";
    match PriceTable::from_csv(&lines.join("\n")) {
        Err(PriceError::Row { line, reason }) => {
            assert_eq!(line, at + 1);
            assert!(reason.starts_with("as_of"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    // A duplicate name names both lines.
    let dup = format!("{BUILTIN_CSV}openai,GPT-4O,1,,1,,2025-01-01,\n");
    match PriceTable::from_csv(&dup) {
        Err(PriceError::Row { line, reason }) => {
            assert_eq!(line, BUILTIN_CSV.lines().count() + 1);
            assert!(reason.contains("already names a model on line"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Whatever a log calls its model, a lookup answers without panicking.
    #[test]
    fn lookup_never_panics(model in "\\PC{0,40}", tail in "[-@:/.a-z0-9]{0,12}") {
        let _ = table().lookup(&model);
        let _ = table().lookup(&format!("gpt-4o{tail}"));
        let _ = table().lookup_with_provider(&tail, &model);
    }

    /// A price file cut anywhere, or any text at all, is a table or an error, never a panic.
    #[test]
    fn from_csv_never_panics(cut in 0..BUILTIN_CSV.len(), junk in "\\PC{0,200}") {
        let mut at = cut;
        while !BUILTIN_CSV.is_char_boundary(at) {
            at -= 1;
        }
        let _ = PriceTable::from_csv(&BUILTIN_CSV[..at]);
        let _ = PriceTable::from_csv(&format!("{CSV_HEADER}\n{junk}"));
        let _ = PriceTable::from_litellm_json(&junk);
    }
}
