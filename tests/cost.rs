//! Cost against a hand-computed table: tests/fixtures/cost_20_models.jsonl (the article's
//! record without `estimated_cost_usd`, 20 models from the built-in price table across
//! providers, cached tokens on some records) must cost exactly what the comments below work
//! out, with its unknown model listed as unpriced and its two misreported costs flagged.
//! The DuckDB oracle (tests/oracle/test_oracle.py) checks the same fixture independently.
#![cfg(not(target_arch = "wasm32"))]
// Helpers of integration tests unwrap too: a panic is a failed test.
#![allow(clippy::unwrap_used)]

use std::process::Command;

use tokenlens::metrics::cost::{apply_prices, CostSource};
use tokenlens::pricing::PriceTable;
use tokenlens::{Ingest, SummaryReport, Table};

const FIXTURE: &str = "cost_20_models.jsonl";

fn fixture_path() -> String {
    format!("{}/tests/fixtures/{FIXTURE}", env!("CARGO_MANIFEST_DIR"))
}

/// The fixture's table, priced with the built-in table, and its summary.
fn load() -> (Table, SummaryReport) {
    let bytes = std::fs::read(fixture_path()).unwrap();
    let mut ingest = Ingest::new();
    ingest.start_file(FIXTURE);
    ingest.feed(&bytes);
    let (mut table, import) = ingest.finish();
    // Priced explicitly (pricing an already priced table again changes nothing).
    apply_prices(&mut table, PriceTable::builtin());
    let report = SummaryReport::new(&table, import);
    (table, report)
}

fn close(got: Option<f64>, want: f64) -> bool {
    got.is_some_and(|g| (g - want).abs() <= 1e-12)
}

/// (model as logged, requests, cost USD). Prices are USD per 1M tokens from
/// src/pricing/prices.csv; each line of arithmetic is in millionths of a dollar, i.e.
/// tokens × price; "cached" tokens are part of "in" and are billed at the cached price
/// instead of the input price.
const EXPECTED: &[(&str, u64, f64)] = &[
    // gemini-2.5-pro ($1.25 in, $0.125 cached, $10 out; above 200000 prompt tokens the whole
    // request is $2.50 / $0.25 / $15):
    //   250000 in > 200000, tier: (250000 − 50000) × 2.50 + 50000 cached × 0.25 + 2000 out × 15
    //     = 500000 + 12500 + 30000 = 542500 → 0.5425
    //   10000 in × 1.25 + 1000 out × 10 = 12500 + 10000 = 22500 → 0.0225
    //   200000 in is not above 200000, base: 200000 × 1.25 + 100 out × 10 = 250000 + 1000
    //     = 251000 → 0.251
    //   = 0.5425 + 0.0225 + 0.251
    ("gemini-2.5-pro", 3, 0.816),
    // gpt-4o ($2.50 in, $1.25 cached, $10 out):
    //   1200 in × 2.50 + 300 out × 10 = 3000 + 3000 = 6000 → 0.006
    //   (2000 − 1500) × 2.50 + 1500 cached × 1.25 + 400 out × 10 = 1250 + 1875 + 4000
    //     = 7125 → 0.007125
    //   reported 0.004725, kept (the table's 1000 in × 2.50 + 200 out × 10 = 2500 + 2000
    //     = 4500 → 0.0045, and 0.004725 is 5% more: flagged)
    //   = 0.006 + 0.007125 + 0.004725
    ("gpt-4o", 3, 0.01785),
    // claude-3-5-haiku, an alias of claude-3-5-haiku-20241022 ($0.80 in, $4 out):
    //   4000 in × 0.80 + 500 out × 4 = 3200 + 2000 = 5200 → 0.0052
    //   reported 0.00342, kept (the table's 2000 in × 0.80 + 500 out × 4 = 1600 + 2000
    //     = 3600 → 0.0036, and 0.00342 is 5% less: flagged)
    //   = 0.0052 + 0.00342
    ("claude-3-5-haiku", 2, 0.00862),
    // claude-sonnet-4-5-20250929 ($3 in, $0.30 cached, $15 out; prompts ≤ 200000 tokens):
    //   (5000 − 4000) × 3 + 4000 cached × 0.30 + 600 out × 15 = 3000 + 1200 + 9000
    //     = 13200 → 0.0132
    //   1500 in × 3 + 250 out × 15 = 4500 + 3750 = 8250 → 0.00825
    //   = 0.0132 + 0.00825
    ("claude-sonnet-4-5-20250929", 2, 0.02145),
    // mistral-small-latest → mistral-small, an alias of mistral-small-2506 ($0.10 in, no
    // cache price, $0.30 out):
    //   6000 in × 0.10 + 1500 out × 0.30 = 600 + 450 = 1050 → 0.00105
    //   5000 in (2000 of them cached, billed at the input price: no cache price) × 0.10
    //     + 1000 out × 0.30 = 500 + 300 = 800 → 0.0008
    //   = 0.00105 + 0.0008
    ("mistral-small-latest", 2, 0.00185),
    // openai/gpt-4o-mini: the provider prefix removed, gpt-4o-mini ($0.15 in, $0.60 out):
    //   10000 in × 0.15 + 1000 out × 0.60 = 1500 + 600 = 2100 → 0.0021
    //   a 429 with 0 in and 0 out: 0 (a computed cost of nothing)
    ("openai/gpt-4o-mini", 2, 0.0021),
    // azure/gpt-35-turbo: Azure's name for gpt-3.5-turbo ($0.50 in, $1.50 out):
    //   1500 in × 0.50 + 500 out × 1.50 = 750 + 750 = 1500 → 0.0015
    ("azure/gpt-35-turbo", 1, 0.0015),
    // bedrock/amazon.nova-pro-v1:0 → amazon.nova-pro-v1:0 ($0.80 in, $3.20 out):
    //   10000 in × 0.80 + 2000 out × 3.20 = 8000 + 6400 = 14400 → 0.0144
    ("bedrock/amazon.nova-pro-v1:0", 1, 0.0144),
    // command-r-08-2024 (Cohere, $0.15 in, $0.60 out):
    //   10000 in × 0.15 + 1000 out × 0.60 = 1500 + 600 = 2100 → 0.0021
    ("command-r-08-2024", 1, 0.0021),
    // deepseek-chat ($0.28 in, $0.028 cached, $0.42 out):
    //   (100000 − 60000) × 0.28 + 60000 cached × 0.028 + 5000 out × 0.42
    //     = 11200 + 1680 + 2100 = 14980 → 0.01498
    ("deepseek-chat", 1, 0.01498),
    // gemini-2.0-flash ($0.10 in, $0.025 cached, $0.40 out):
    //   (40000 − 20000) × 0.10 + 20000 cached × 0.025 + 1000 out × 0.40 = 2000 + 500 + 400
    //     = 2900 → 0.0029
    ("gemini-2.0-flash", 1, 0.0029),
    // gpt-4.1-2025-04-14: a dated snapshot of gpt-4.1 ($2 in, $0.50 cached, $8 out):
    //   (3000 − 1000) × 2 + 1000 cached × 0.50 + 800 out × 8 = 4000 + 500 + 6400
    //     = 10900 → 0.0109
    ("gpt-4.1-2025-04-14", 1, 0.0109),
    // gpt-5-mini ($0.25 in, $0.025 cached, $2 out):
    //   (8000 − 6000) × 0.25 + 6000 cached × 0.025 + 2000 out × 2 = 500 + 150 + 4000
    //     = 4650 → 0.00465
    ("gpt-5-mini", 1, 0.00465),
    // grok-3-mini (xAI, $0.30 in, $0.075 cached, $0.50 out):
    //   (8000 − 4000) × 0.30 + 4000 cached × 0.075 + 3000 out × 0.50 = 1200 + 300 + 1500
    //     = 3000 → 0.003
    ("grok-3-mini", 1, 0.003),
    // llama-3.3-70b-versatile (Meta Llama on Groq, $0.59 in, $0.79 out):
    //   4000 in × 0.59 + 1000 out × 0.79 = 2360 + 790 = 3150 → 0.00315
    ("llama-3.3-70b-versatile", 1, 0.00315),
    // meta-llama/Llama-3.3-70B-Instruct-Turbo (Meta Llama on Together, $0.88 in and out):
    //   2500 in × 0.88 + 500 out × 0.88 = 2200 + 440 = 2640 → 0.00264
    ("meta-llama/Llama-3.3-70B-Instruct-Turbo", 1, 0.00264),
    // meta-llama/llama-4-scout-17b-16e-instruct with "provider": "groq": the provider-qualified
    // name groq/meta-llama/llama-4-scout-17b-16e-instruct is Groq's row ($0.11 in, $0.34 out),
    // not Together's ($0.18 / $0.59, which would give 1800 + 1180 = 2980 → 0.00298):
    //   10000 in × 0.11 + 2000 out × 0.34 = 1100 + 680 = 1780 → 0.00178
    ("meta-llama/llama-4-scout-17b-16e-instruct", 1, 0.00178),
    // meta.llama3-1-70b-instruct-v1:0 (Meta Llama on Bedrock, $0.72 in and out):
    //   5000 in × 0.72 + 1000 out × 0.72 = 3600 + 720 = 4320 → 0.00432
    ("meta.llama3-1-70b-instruct-v1:0", 1, 0.00432),
    // mistral-large-2411 ($2 in, $6 out):
    //   3000 in × 2 + 1000 out × 6 = 6000 + 6000 = 12000 → 0.012
    ("mistral-large-2411", 1, 0.012),
    // us.anthropic.claude-3-7-sonnet-20250219-v1:0: a Bedrock cross-region profile of
    // anthropic.claude-3-7-sonnet-20250219-v1:0, an alias of claude-3-7-sonnet-20250219
    // ($3 in, $0.30 cached, $15 out):
    //   (6000 − 2000) × 3 + 2000 cached × 0.30 + 700 out × 15 = 12000 + 600 + 10500
    //     = 23100 → 0.0231
    ("us.anthropic.claude-3-7-sonnet-20250219-v1:0", 1, 0.0231),
];

/// The unknown model: tokens, no reported cost, no price.
const UNPRICED: (&str, u64) = ("acme-internal-llm", 2);

/// Σ of EXPECTED, added by hand: 0.816 + 0.01785 + 0.00862 + 0.02145 + 0.00185 + 0.0021
/// + 0.0015 + 0.0144 + 0.0021 + 0.01498 + 0.0029 + 0.0109 + 0.00465 + 0.003 + 0.00315
/// + 0.00264 + 0.00178 + 0.00432 + 0.012 + 0.0231.
const TOTAL_USD: f64 = 0.96929;

/// The flagged requests: (0-based row in the file, reported, computed from the table).
const FLAGGED: [(u32, f64, f64); 2] = [
    (25, 0.004725, 0.0045), // gpt-4o: 5% over
    (28, 0.00342, 0.0036),  // claude-3-5-haiku: 5% under
];

/// Σ reported − computed over the flagged requests: 0.000225 − 0.00018.
const MISMATCH_USD: f64 = 0.000045;

#[test]
fn twenty_models_cost_the_hand_computed_table() {
    let (_, r) = load();
    assert_eq!(EXPECTED.len(), 20);
    let s = &r.summary.totals;
    assert_eq!(s.requests, 30);
    for &(model, requests, cost) in EXPECTED {
        let m = r.by_model.iter().find(|m| m.model == model);
        let m = m.unwrap_or_else(|| panic!("{model} missing from by_model"));
        assert_eq!(m.totals.requests, requests, "{model}");
        assert!(
            close(m.totals.cost_usd, cost),
            "{model}: {:?} != {cost}",
            m.totals.cost_usd
        );
        assert_eq!(
            m.totals.cost_count, requests,
            "{model}: every request has a cost"
        );
        assert_eq!(m.totals.unpriced_requests, 0, "{model}");
    }
    // 20 priced models and the unpriced one; nothing else.
    assert_eq!(r.by_model.len(), 21);
    assert!(close(s.cost_usd, TOTAL_USD), "{:?}", s.cost_usd);
    // 28 requests with a cost: 26 computed from the table, 2 reported.
    assert_eq!((s.cost_count, s.cost_computed_count), (28, 26));
    // Cached tokens are read from `cached_input_tokens`: 4000 + 50000 + 1000 + 1500 + 20000
    // + 6000 + 60000 + 4000 + 2000 + 2000.
    assert_eq!(s.cached_input_tokens, 150_500);
}

#[test]
fn the_unknown_model_is_unpriced_and_listed() {
    let (_, r) = load();
    let listed: Vec<(&str, u64)> = r
        .summary
        .unpriced_models
        .iter()
        .map(|m| (m.model.as_str(), m.requests))
        .collect();
    assert_eq!(listed, [UNPRICED]);
    assert_eq!(r.summary.totals.unpriced_requests, 2);
    let m = r.by_model.iter().find(|m| m.model == UNPRICED.0).unwrap();
    // Unknown, not zero.
    assert_eq!(m.totals.cost_usd, None);
    assert_eq!((m.totals.cost_count, m.totals.unpriced_requests), (0, 2));
}

#[test]
fn the_two_misreported_costs_are_flagged_with_their_difference() {
    let (t, r) = load();
    let flagged: Vec<u32> = (0..t.len() as u32)
        .filter(|&i| CostSource::from_u8(t.cost_source.value(i as usize)) == CostSource::Mismatch)
        .collect();
    assert_eq!(flagged, FLAGGED.map(|f| f.0));
    for (row, reported, computed) in FLAGGED {
        // The reported cost stays the request's cost; the table's is kept beside it.
        assert!(
            close(Some(t.cost_usd.value(row as usize)), reported),
            "row {row}"
        );
        let kept = t.cost_mismatch.iter().find(|m| m.0 == row).unwrap().1;
        assert!(close(Some(kept), computed), "row {row}: {kept}");
    }
    let s = &r.summary.totals;
    assert_eq!(s.cost_mismatch_count, 2);
    assert!(
        close(Some(s.cost_mismatch_usd), MISMATCH_USD),
        "{}",
        s.cost_mismatch_usd
    );
    let of = |model: &str| {
        let m = r.by_model.iter().find(|m| m.model == model).unwrap();
        (m.totals.cost_mismatch_count, m.totals.cost_mismatch_usd)
    };
    // 0.004725 − 0.0045 and 0.00342 − 0.0036.
    let (n, usd) = of("gpt-4o");
    assert!(n == 1 && close(Some(usd), 0.000225), "{usd}");
    let (n, usd) = of("claude-3-5-haiku");
    assert!(n == 1 && close(Some(usd), -0.00018), "{usd}");
}

/// `tokenlens summary FILE --json [ARGS]`, parsed.
fn summary_json(args: &[&str]) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_tokenlens"))
        .args(["summary", &fixture_path(), "--json"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn a_prices_file_changes_exactly_its_model() {
    let dir = std::env::temp_dir().join(format!("tokenlens-cost-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let prices = dir.join("prices.json");
    // LiteLLM's shape, per token: gpt-4o at $5 in, $2.50 cached, $20 out per 1M.
    std::fs::write(
        &prices,
        r#"{"gpt-4o": {"input_cost_per_token": 5e-06, "cache_read_input_token_cost": 2.5e-06,
            "output_cost_per_token": 2e-05, "litellm_provider": "openai", "mode": "chat"}}"#,
    )
    .unwrap();
    let before = summary_json(&[]);
    let after = summary_json(&["--prices", prices.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).unwrap();

    let by_model = |v: &serde_json::Value| -> Vec<(String, serde_json::Value)> {
        v["by_model"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| (m["model"].as_str().unwrap().to_string(), m.clone()))
            .collect()
    };
    let (before, after) = (by_model(&before), by_model(&after));
    assert_eq!(before.len(), 21);
    assert_eq!(
        before.iter().map(|m| &m.0).collect::<Vec<_>>(),
        after.iter().map(|m| &m.0).collect::<Vec<_>>()
    );
    for ((model, b), (_, a)) in before.iter().zip(&after) {
        if model == "gpt-4o" {
            continue;
        }
        assert_eq!(a, b, "{model} changed");
    }
    let a = &after.iter().find(|m| m.0 == "gpt-4o").unwrap().1;
    // gpt-4o at the new prices:
    //   1200 in × 5 + 300 out × 20 = 6000 + 6000 = 12000 → 0.012
    //   (2000 − 1500) × 5 + 1500 cached × 2.50 + 400 out × 20 = 2500 + 3750 + 8000
    //     = 14250 → 0.01425
    //   reported 0.004725, kept; the table now says 1000 in × 5 + 200 out × 20 = 9000
    //     → 0.009, so it is still flagged, now 0.004725 − 0.009 = −0.004275
    //   = 0.012 + 0.01425 + 0.004725
    assert!(close(a["cost_usd"].as_f64(), 0.030975), "{a}");
    assert!(close(a["cost_mismatch_usd"].as_f64(), -0.004275), "{a}");
    assert_eq!(a["cost_computed_count"], 2);
    assert_eq!(a["cost_mismatch_count"], 1);
}
