//! Deterministic, realistic request logs in the source article's `log_entry` shape, for the
//! demo, tests and benchmarks: two weeks of traffic with a daily rhythm, several models and
//! applications, a long latency tail, background errors, and one incident; optionally each
//! request's feature and tags, labels the article's record does not have.

use std::io::{self, Write};

use serde::Serialize;

use crate::ingest::sniff::Format;
use crate::ingest::time::{days_from_civil, US_PER_S};

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct GenOptions {
    /// How many records.
    pub records: u64,
    /// Same seed, same file.
    pub seed: u64,
    /// Whether the incident happens (off: clean traffic, for measuring false alarms).
    pub incident: bool,
    /// Whether each record also has a `feature`, `tags`, and for some `feedback` and a
    /// `hallucination` verdict (not in the article's record).
    pub labels: bool,
}

/// First request: 2026-11-09T00:00:00Z (a Monday).
pub fn start_us() -> i64 {
    days_from_civil(2026, 11, 9) * 86_400 * US_PER_S
}

/// Two weeks.
pub const SPAN_DAYS: i64 = 14;

/// The incident: OpenAI's models are slow and failing on day 9 (2026-11-18), 14:00 to
/// 17:00 UTC.
pub fn incident_us() -> (i64, i64) {
    let day = start_us() + 9 * 86_400 * US_PER_S;
    (day + 14 * 3_600 * US_PER_S, day + 17 * 3_600 * US_PER_S)
}

/// The models the incident hits (one provider's).
pub const INCIDENT_MODELS: [&str; 2] = ["gpt-4o", "gpt-4o-mini"];

/// SplitMix64: tiny, fast, and the same sequence on every platform.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: usize) -> usize {
        (self.f64() * n as f64) as usize
    }
    fn normal(&mut self) -> f64 {
        let u = 1.0 - self.f64();
        let v = self.f64();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
    fn lognormal(&mut self, median: f64, sigma: f64) -> f64 {
        median * (sigma * self.normal()).exp()
    }
    /// An index drawn with the given weights.
    fn pick(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut x = self.f64() * total;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }
}

struct Model {
    name: &'static str,
    /// USD per 1M input / output tokens.
    price: (f64, f64),
    /// Time to first byte (ms) and per output token (ms).
    speed: (f64, f64),
}

const MODELS: [Model; 5] = [
    Model {
        name: "gpt-4o",
        price: (2.5, 10.0),
        speed: (380.0, 11.0),
    },
    Model {
        name: "gpt-4o-mini",
        price: (0.15, 0.6),
        speed: (260.0, 6.5),
    },
    Model {
        name: "claude-3-5-sonnet-20241022",
        price: (3.0, 15.0),
        speed: (520.0, 13.0),
    },
    Model {
        name: "gemini-1.5-pro",
        price: (1.25, 5.0),
        speed: (450.0, 9.0),
    },
    Model {
        name: "llama-3.1-70b-instruct",
        price: (0.88, 0.88),
        speed: (300.0, 8.0),
    },
];

struct App {
    name: &'static str,
    weight: f64,
    /// Median prompt and completion tokens.
    tokens: (f64, f64),
    /// Weight of each model in MODELS order.
    mix: [f64; 5],
    prompts: &'static [&'static str],
    /// The product feature of each prompt.
    features: &'static [&'static str],
    outputs: &'static [&'static str],
}

const APPS: [App; 4] = [
    App {
        name: "support-bot",
        weight: 0.40,
        tokens: (450.0, 180.0),
        mix: [0.25, 0.45, 0.15, 0.05, 0.10],
        prompts: &[
            "How do I reset my password?",
            "Where is my order #48213? It was due on Monday.",
            "Cancel my subscription, please. My email is jane.doe@example.com",
            "Can I change the shipping address after ordering?",
            "The app says \"payment declined\" but my card works elsewhere.",
            "¿Puedo pagar con PayPal?",
        ],
        features: &["account", "orders", "billing", "orders", "billing", "billing"],
        outputs: &[
            "You can reset your password from Settings → Security → Reset password.",
            "Your order shipped yesterday and should arrive within 2 business days.",
            "I've cancelled your subscription; you'll keep access until the end of the period.",
            "Yes — until the order ships you can edit the address under Orders.",
            "Sí, aceptamos PayPal en el paso de pago.",
        ],
    },
    App {
        name: "content-generator-app",
        weight: 0.25,
        tokens: (300.0, 700.0),
        mix: [0.45, 0.20, 0.25, 0.10, 0.0],
        prompts: &[
            "Write a product description for a stainless steel water bottle.",
            "Draft a LinkedIn post announcing our Series A.",
            "Explain the concept of quantum entanglement in simple terms.",
            "Write three subject lines for a Black Friday email.",
        ],
        features: &["product-copy", "social-post", "explainer", "email-subject"],
        outputs: &[
            "Meet the bottle that keeps up with you: double-walled, leak-proof, 24h cold.",
            "We're thrilled to announce our $12M Series A!\n\nHere's what's next…",
            "Imagine two coins that always land on opposite sides, however far apart…",
            "1. 48 hours only 🔥\n2. Your cart misses you\n3. The deal you waited for",
        ],
    },
    App {
        name: "code-assistant",
        weight: 0.20,
        tokens: (1200.0, 400.0),
        mix: [0.35, 0.10, 0.45, 0.10, 0.0],
        prompts: &[
            "Why does this Rust code not compile? `let s: &str = String::new();`",
            "Write a SQL query for the top 10 customers by revenue.",
            "Refactor this function to use async/await.",
        ],
        features: &["explain-error", "sql", "refactor"],
        outputs: &[
            "`String::new()` is an owned String; borrow it with `&String::new()` or use `\"\"`.",
            "SELECT customer_id, SUM(amount) AS revenue FROM orders GROUP BY 1 ORDER BY 2 DESC LIMIT 10;",
            "Here is the refactored version:\n```js\nasync function load() { … }\n```",
        ],
    },
    App {
        name: "search-summarizer",
        weight: 0.15,
        tokens: (2500.0, 250.0),
        mix: [0.20, 0.40, 0.10, 0.25, 0.05],
        prompts: &[
            "Summarize these 5 search results about heat pumps.",
            "Summarize the quarterly report in 3 bullet points.",
        ],
        features: &["web-summary", "doc-summary"],
        outputs: &[
            "• Heat pumps move heat rather than make it\n• 2–4× more efficient than resistive heat",
            "• Revenue up 18%\n• Margin steady at 41%\n• Guidance raised",
        ],
    },
];

/// One line of output, in the article's field order.
#[derive(Serialize)]
struct Record<'a> {
    timestamp: f64,
    request_id: String,
    user_id: Option<String>,
    application: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    feature: Option<&'a str>,
    model_name: &'a str,
    input_prompt: &'a str,
    llm_output: &'a str,
    latency_ms: Option<f64>,
    status_code: u16,
    error_message: Option<&'a str>,
    prompt_tokens: u32,
    completion_tokens: u32,
    total_tokens: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    estimated_cost_usd: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tags: Option<Vec<&'a str>>,
    /// Thumbs up (true) or down, from the few users who give it.
    #[serde(skip_serializing_if = "Option::is_none")]
    feedback: Option<bool>,
    /// An LLM judge's verdict on a sample of answers: 1 hallucinated, 0 not.
    #[serde(skip_serializing_if = "Option::is_none")]
    hallucination: Option<u8>,
}

/// Quality signals of a request: a quarter of users give feedback, mostly positive unless
/// the request failed or was slow (the incident); a judge checks a third of the answers,
/// and smaller models hallucinate more.
fn quality(
    side: &mut Rng,
    model: &str,
    failed: bool,
    incident: bool,
) -> (Option<bool>, Option<u8>) {
    let up = if failed {
        0.3
    } else if incident {
        0.45
    } else {
        0.88
    };
    let feedback = (side.f64() < 0.25).then(|| side.f64() < up);
    let rate = match model {
        "gpt-4o-mini" => 0.09,
        "llama-3.1-70b-instruct" => 0.11,
        _ => 0.05,
    };
    let hallucination = (!failed && side.f64() < 0.33).then(|| u8::from(side.f64() < rate));
    (feedback, hallucination)
}

/// Free labels of a request: its environment, an A/B experiment's arm for a tenth of them,
/// and a tenant tier.
fn tags(side: &mut Rng) -> Vec<&'static str> {
    let mut t = vec![if side.f64() < 0.95 { "prod" } else { "staging" }];
    if side.f64() < 0.1 {
        t.push(if side.f64() < 0.5 {
            "exp:prompt-v2"
        } else {
            "exp:control"
        });
    }
    if side.f64() < 0.3 {
        t.push("tier:enterprise");
    }
    t
}

/// Relative traffic at a moment: a daily rhythm peaking mid-afternoon UTC, quieter weekends.
fn traffic(ts_us: i64) -> f64 {
    let secs = (ts_us - start_us()) / US_PER_S;
    let hour = (secs % 86_400) as f64 / 3_600.0;
    let weekday = secs / 86_400 % 7; // 0 = Monday
    let daily = 0.25 + 0.75 * (0.5 - 0.5 * ((hour - 3.0) / 24.0 * std::f64::consts::TAU).cos());
    daily * if weekday >= 5 { 0.55 } else { 1.0 }
}

/// Writes `opts.records` JSON lines to `out`.
pub fn generate(opts: GenOptions, out: &mut impl Write) -> io::Result<()> {
    each_record(opts, SPAN_DAYS, |rec| jsonl_line(out, rec))
}

/// The article's fourteen columns, as [`generate_csv`] writes them.
const CSV_HEADER: &str = "timestamp,request_id,user_id,application,model_name,input_prompt,\
llm_output,latency_ms,status_code,error_message,prompt_tokens,completion_tokens,total_tokens,\
estimated_cost_usd\n";

/// Writes the same records as [`generate`] as CSV with a header: the article's fourteen
/// columns (the labels, when asked for, are left out), text quoted, a missing value empty.
pub fn generate_csv(opts: GenOptions, out: &mut impl Write) -> io::Result<()> {
    out.write_all(CSV_HEADER.as_bytes())?;
    each_record(opts, SPAN_DAYS, |rec| csv_row(out, rec))
}

fn jsonl_line(out: &mut impl Write, rec: &Record) -> io::Result<()> {
    serde_json::to_writer(&mut *out, rec)?;
    out.write_all(b"\n")
}

fn csv_row(out: &mut impl Write, r: &Record) -> io::Result<()> {
    fn text(out: &mut impl Write, s: Option<&str>) -> io::Result<()> {
        match s {
            Some(s) => write!(out, "\"{}\",", s.replace('"', "\"\"")),
            None => out.write_all(b","),
        }
    }
    fn number(out: &mut impl Write, x: Option<f64>, last: bool) -> io::Result<()> {
        if let Some(x) = x {
            write!(out, "{x}")?;
        }
        out.write_all(if last { b"\n" } else { b"," })
    }
    number(out, Some(r.timestamp), false)?;
    text(out, Some(&r.request_id))?;
    text(out, r.user_id.as_deref())?;
    text(out, Some(r.application))?;
    text(out, Some(r.model_name))?;
    text(out, Some(r.input_prompt))?;
    text(out, Some(r.llm_output))?;
    number(out, r.latency_ms, false)?;
    number(out, Some(f64::from(r.status_code)), false)?;
    text(out, r.error_message)?;
    number(out, Some(f64::from(r.prompt_tokens)), false)?;
    number(out, Some(f64::from(r.completion_tokens)), false)?;
    number(out, Some(f64::from(r.total_tokens)), false)?;
    number(out, r.estimated_cost_usd, true)
}

/// Calls `each` with every record [`generate`] writes, in order (with `span_days` of
/// [`SPAN_DAYS`]; fewer squeeze the same records into a shorter time).
fn each_record(
    opts: GenOptions,
    span_days: i64,
    mut each: impl FnMut(&Record) -> io::Result<()>,
) -> io::Result<()> {
    let mut rng = Rng(opts.seed ^ 0x746F_6B65_6E6C_656E);
    // Tags come from their own sequence, so adding them left every other field as it was.
    let mut side = Rng(opts.seed ^ 0x7461_6773);
    let span = span_days * 86_400 * US_PER_S;
    let mut times: Vec<i64> = Vec::with_capacity(opts.records as usize);
    while (times.len() as u64) < opts.records {
        let t = start_us() + (rng.f64() * span as f64) as i64;
        if rng.f64() < traffic(t) {
            times.push(t);
        }
    }
    times.sort_unstable();
    let (inc_start, inc_end) = incident_us();
    for &ts in &times {
        let app = &APPS[rng.pick(&APPS.map(|a| a.weight))];
        let model = &MODELS[rng.pick(&app.mix)];
        let incident = opts.incident
            && INCIDENT_MODELS.contains(&model.name)
            && (inc_start..inc_end).contains(&ts);
        let mut prompt_tokens = rng.lognormal(app.tokens.0, 0.6).round().max(1.0) as u32;
        // Capped like a request's max_tokens.
        let mut completion_tokens =
            rng.lognormal(app.tokens.1, 0.5).round().clamp(1.0, 4096.0) as u32;
        let mut latency =
            (model.speed.0 + completion_tokens as f64 * model.speed.1) * rng.lognormal(1.0, 0.25);
        if rng.f64() < 0.01 {
            latency *= 2.0 + 2.0 * rng.f64(); // The long tail: retries, cold caches.
        }
        if incident {
            latency *= 3.5 + rng.f64();
        }
        let (status, error): (u16, Option<&str>) = {
            let x = rng.f64();
            if incident && x < 0.22 {
                (
                    503,
                    Some(
                        "HTTP error: 503 - {\"error\":{\"message\":\"The server is overloaded\"}}",
                    ),
                )
            } else if x < 0.004 {
                (
                    429,
                    Some("HTTP error: 429 - Rate limit reached for requests"),
                )
            } else if x < 0.007 {
                (500, Some("HTTP error: 500 - Internal server error"))
            } else if x < 0.009 {
                latency = 60_000.0 + rng.f64() * 50.0;
                (0, Some("Request error: Read timed out. (read timeout=60)"))
            } else {
                (200, None)
            }
        };
        let prompt = rng.below(app.prompts.len());
        let (input_prompt, llm_output) = (
            app.prompts[prompt],
            app.outputs[rng.below(app.outputs.len())],
        );
        let llm_output = if error.is_some() { "" } else { llm_output };
        if error.is_some() {
            // As the article's logger does: a failed call reports no usage.
            prompt_tokens = 0;
            completion_tokens = 0;
        }
        let cost =
            (prompt_tokens as f64 * model.price.0 + completion_tokens as f64 * model.price.1) / 1e6;
        let (feedback, hallucination) = if opts.labels {
            quality(&mut side, model.name, error.is_some(), incident)
        } else {
            (None, None)
        };
        let user = (rng.f64().powi(2) * 2_000.0) as u32;
        let id = (rng.next_u64(), rng.next_u64());
        let rec = Record {
            timestamp: ts as f64 / 1e6,
            request_id: format!(
                "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
                id.0 >> 32,
                (id.0 >> 16) & 0xffff,
                id.0 & 0xfff,
                (id.1 >> 48) | 0x8000,
                id.1 & 0xffff_ffff_ffff
            ),
            user_id: (rng.f64() >= 0.02).then(|| format!("user-{user:04}")),
            application: app.name,
            feature: opts.labels.then_some(app.features[prompt]),
            model_name: model.name,
            input_prompt,
            llm_output,
            latency_ms: (rng.f64() >= 0.002).then_some((latency * 1000.0).round() / 1000.0),
            status_code: status,
            error_message: error,
            prompt_tokens,
            completion_tokens,
            total_tokens: prompt_tokens + completion_tokens,
            estimated_cost_usd: (rng.f64() >= 0.005).then_some(cost),
            tags: opts.labels.then(|| tags(&mut side)),
            feedback,
            hallucination,
        };
        each(&rec)?;
    }
    Ok(())
}

/// Reads `records` generated records, as JSON Lines and as CSV, as the page's worker and a
/// helper would (the file in two parts, the second taken in pieces and appended), finishes
/// each import and builds the dashboard for everything, one model and one day; returns
/// their request counts, JSON Lines' first. The text is fed as it is made, so the table is
/// all it holds. The page's worker runs it once its engine has started (`warm_up` in
/// web.rs says why).
pub fn warm_up(records: u32) -> Vec<u64> {
    let opts = GenOptions {
        records: u64::from(records),
        seed: 7,
        incident: true,
        labels: false,
    };
    let mut counts = Vec::new();
    for format in [Format::Jsonl, Format::Csv] {
        counts.extend(warm_up_import(opts, format).unwrap_or_default());
    }
    counts
}

/// The days [`warm_up`]'s records span.
const WARM_UP_DAYS: i64 = 2;

/// One import of [`warm_up`]'s; None when a step fails (it cannot: the text is ours).
fn warm_up_import(opts: GenOptions, format: Format) -> Option<Vec<u64>> {
    use crate::ingest::record::MapOptions;
    use crate::{dashboard_prepared, Ingest, Prepared, View};
    // Chunks the size a File's stream gives.
    const CHUNK: usize = 64 << 10;
    let name = format!("warm-up.{}", format.name());
    let head: &[u8] = if format == Format::Csv {
        CSV_HEADER.as_bytes()
    } else {
        b""
    };
    /// Where the text goes: the first part's import, then the second part's.
    struct Feed {
        first: Ingest,
        part: Option<Ingest>,
        pieces: Vec<Vec<u8>>,
        offset: u64,
        chunks: u32,
    }
    impl Feed {
        fn flush(&mut self, buf: &mut Vec<u8>) {
            match &mut self.part {
                Some(p) => {
                    p.feed(buf);
                    self.chunks += 1;
                    // Pieces handed over as a helper does.
                    if self.chunks.is_multiple_of(8) {
                        self.pieces.push(p.take_rows());
                    }
                }
                None => self.first.feed(buf),
            }
            self.offset += buf.len() as u64;
            buf.clear();
        }
    }
    let mut feed = Feed {
        first: Ingest::with_options(MapOptions::default()),
        part: None,
        pieces: Vec::new(),
        offset: 0,
        chunks: 0,
    };
    feed.first.start_file(&name);
    let mut buf = head.to_vec();
    let half = opts.records / 2;
    let mut n = 0;
    // Two days, not two weeks: a table's sums per (model, application) and minute are kept
    // (the cube) only when they are few against its rows, and over two weeks 10,000 records
    // have none, so the cube's pass would first run, unoptimised, on a person's file (30 ms
    // of a million records' finish).
    each_record(opts, WARM_UP_DAYS, |rec| {
        match format {
            Format::Csv => csv_row(&mut buf, rec)?,
            _ => jsonl_line(&mut buf, rec)?,
        }
        n += 1;
        if buf.len() >= CHUNK || n == half {
            feed.flush(&mut buf);
        }
        if n == half {
            // The rest is a part, as a helper reads it.
            let p = Ingest::for_part(&name, format, head, feed.offset, MapOptions::default());
            feed.part = Some(p.map_err(io::Error::other)?);
        }
        Ok(())
    })
    .ok()?;
    feed.flush(&mut buf);
    let mut first = feed.first;
    if let Some(p) = feed.part {
        feed.pieces.push(p.finish_part());
    }
    for piece in feed.pieces {
        first.append_part(piece).ok()?;
    }
    let (table, _) = first.finish();
    let prepared = Prepared::of(&table);
    // Warming up the views without the cube's pass would miss it (the test fails).
    if !prepared.has_cube() {
        return None;
    }
    let day_ms = (start_us() / 1000) as f64;
    let views = [
        View::default(),
        View {
            models: vec![INCIDENT_MODELS[0].to_string()],
            ..View::default()
        },
        View {
            from_ms: Some(day_ms),
            to_ms: Some(day_ms + 86_400_000.0),
            ..View::default()
        },
    ];
    let dashboards = views
        .iter()
        .map(|v| dashboard_prepared(&table, &prepared, v));
    // Serialised as the page's dashboard_json does.
    dashboards
        .map(|d| d.ok().filter(|d| serde_json::to_string(d).is_ok()))
        .map(|d| d.map(|d| d.summary.totals.requests))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_holds_the_same_records_as_json_lines() {
        let opts = GenOptions {
            records: 2_000,
            seed: 3,
            incident: true,
            labels: false,
        };
        let read = |text: &[u8], name: &str| {
            let mut ingest = crate::Ingest::default();
            ingest.start_file(name);
            ingest.feed(text);
            let (table, report) = ingest.finish();
            assert_eq!(report.records, 2_000, "{name}");
            assert_eq!(report.skipped_lines, 0, "{name}");
            crate::dashboard(&table, &crate::View::default()).unwrap()
        };
        let (mut jsonl, mut csv) = (Vec::new(), Vec::new());
        generate(opts, &mut jsonl).unwrap();
        generate_csv(opts, &mut csv).unwrap();
        // Every figure, chart and table of the dashboard.
        assert_eq!(read(&jsonl, "g.jsonl"), read(&csv, "g.csv"));
    }

    #[test]
    fn warm_up_reads_every_generated_record_through_the_parts_path() {
        let counts = warm_up(3_000);
        assert_eq!(counts.len(), 6);
        // The CSV's figures are the JSON Lines' (the same records).
        assert_eq!(counts[..3], counts[3..]);
        assert_eq!(counts[0], 3_000);
        // One model and one day are each a strict, non-empty share.
        assert!(counts[1] > 0 && counts[1] < 3_000, "{counts:?}");
        assert!(counts[2] > 0 && counts[2] < 3_000, "{counts:?}");
    }

    #[test]
    fn deterministic() {
        let gen = |seed| {
            let mut v = Vec::new();
            generate(
                GenOptions {
                    records: 200,
                    seed,
                    incident: true,
                    labels: true,
                },
                &mut v,
            )
            .map(|_| v)
            .unwrap_or_default()
        };
        assert_eq!(gen(1), gen(1));
        assert_ne!(gen(1), gen(2));
        assert_eq!(gen(1).iter().filter(|&&b| b == b'\n').count(), 200);
    }
}
