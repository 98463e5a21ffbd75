//! Request, error, token and cost totals with latency figures: overall and per group.

use arrow::array::Array;
use serde::{Deserialize, Serialize};

use super::cost::CostSource;
use super::latency::LatencyStats;
use crate::table::{Col, Cols, Table};

/// The headline figures of a set of requests.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Totals {
    /// Requests.
    pub requests: u64,
    /// Failed requests.
    pub errors: u64,
    /// errors / requests; `None` without requests.
    pub error_rate: Option<f64>,
    /// Latency over the requests that have one.
    pub latency_ms: LatencyStats,
    /// Time to first token over the requests that have one.
    pub ttft_ms: LatencyStats,
    /// Prompt tokens.
    pub input_tokens: u64,
    /// Completion tokens.
    pub output_tokens: u64,
    /// Prompt tokens read from the provider's cache (part of `input_tokens`).
    pub cached_input_tokens: u64,
    /// Reasoning tokens (part of `output_tokens`).
    pub reasoning_tokens: u64,
    /// Cost, USD: reported by the log, else computed from the price table; `None` when
    /// no request has either.
    pub cost_usd: Option<f64>,
    /// Requests with a cost.
    pub cost_count: u64,
    /// Of those, requests whose cost was computed from the price table.
    pub cost_computed_count: u64,
    /// Requests whose reported cost is more than 1% away from the price table's.
    pub cost_mismatch_count: u64,
    /// Reported minus computed cost over those requests, USD.
    pub cost_mismatch_usd: f64,
    /// Requests with tokens but no reported cost whose model has no price: their cost is
    /// unknown, not zero.
    pub unpriced_requests: u64,
    /// Hallucination, feedback, safety, relevance and coherence, each over the requests
    /// that carry the signal.
    pub quality: Quality,
}

/// Quality rates. Each is over the requests that carry that signal (`*_count`); its
/// coverage is that count over all requests.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Quality {
    /// Requests with human feedback.
    pub feedback_count: u64,
    /// feedback_count / requests.
    pub feedback_coverage: Option<f64>,
    /// Share of feedback that is positive (> 0): the thumbs-up rate.
    pub thumbs_up_rate: Option<f64>,
    /// Mean feedback in [−1, 1] (ratings scaled).
    pub feedback_mean: Option<f64>,
    /// Requests judged for hallucination.
    pub hallucination_count: u64,
    /// hallucination_count / requests.
    pub hallucination_coverage: Option<f64>,
    /// Mean hallucination: the share hallucinated when judged 0/1.
    pub hallucination_rate: Option<f64>,
    /// Requests with a safety verdict (a flag, or a finish reason).
    pub safety_count: u64,
    /// safety_count / requests.
    pub safety_coverage: Option<f64>,
    /// Share of them flagged.
    pub safety_violation_rate: Option<f64>,
    /// Requests with a relevance score.
    pub relevance_count: u64,
    /// relevance_count / requests.
    pub relevance_coverage: Option<f64>,
    /// Mean relevance in [0, 1].
    pub relevance_mean: Option<f64>,
    /// Requests with a coherence score.
    pub coherence_count: u64,
    /// coherence_count / requests.
    pub coherence_coverage: Option<f64>,
    /// Mean coherence in [0, 1].
    pub coherence_mean: Option<f64>,
}

/// Count and sum of one signal.
#[derive(Debug, Default, Clone, Copy)]
struct Signal {
    n: u64,
    sum: f64,
    positive: u64,
}

impl Signal {
    #[inline(always)]
    fn add(&mut self, a: Col<f32>, i: usize) {
        if let Some(x) = a.get(i) {
            let x = f64::from(x);
            self.n += 1;
            self.sum += x;
            self.positive += u64::from(x > 0.0);
        }
    }

    fn mean(self) -> Option<f64> {
        (self.n > 0).then(|| self.sum / self.n as f64)
    }

    fn coverage(self, requests: u64) -> Option<f64> {
        (requests > 0).then(|| self.n as f64 / requests as f64)
    }
}

/// Which optional columns hold any value: a column that is null throughout (no TTFT or
/// quality signal in this export) is skipped for every row, not tested row by row.
#[derive(Debug, Clone, Copy)]
struct Present {
    ttft: bool,
    cached: bool,
    reasoning: bool,
    cost_mismatch: bool,
    feedback: bool,
    hallucination: bool,
    safety: bool,
    relevance: bool,
    coherence: bool,
}

impl Present {
    /// Every quality signal looked at (the rest left out).
    fn of_quality() -> Present {
        Present {
            ttft: false,
            cached: false,
            reasoning: false,
            cost_mismatch: false,
            feedback: true,
            hallucination: true,
            safety: true,
            relevance: true,
            coherence: true,
        }
    }

    fn of(t: &Table) -> Present {
        let any = |a: &dyn Array| a.null_count() < a.len();
        Present {
            ttft: any(&t.ttft_ms),
            cached: any(&t.cached_input_tokens),
            reasoning: any(&t.reasoning_tokens),
            cost_mismatch: !t.cost_mismatch.is_empty(),
            feedback: any(&t.feedback),
            hallucination: any(&t.hallucination),
            safety: any(&t.safety_violation),
            relevance: any(&t.relevance),
            coherence: any(&t.coherence),
        }
    }
}

/// The additive part of [`Totals`], row by row: everything but the latency and TTFT
/// values themselves, whose percentiles need them (see [`Acc`], or the ranked pass of
/// [`crate::metrics::panels`], which finds them without gathering the values).
#[derive(Debug, Default, Clone)]
pub struct Sums {
    present: Option<Present>,
    /// Requests added.
    pub requests: u64,
    errors: u64,
    input_tokens: u64,
    output_tokens: u64,
    cached_input_tokens: u64,
    reasoning_tokens: u64,
    cost: f64,
    cost_count: u64,
    cost_computed_count: u64,
    cost_mismatch_count: u64,
    cost_mismatch_usd: f64,
    unpriced_requests: u64,
    /// Sum and count of latencies, ms.
    pub latency_sum: f64,
    /// Requests with a latency.
    pub latency_count: u64,
    /// Sum of times to first token, ms.
    pub ttft_sum: f64,
    /// Requests with a time to first token.
    pub ttft_count: u64,
    quality: QualitySums,
}

/// The quality signals' counts and sums (see [`Quality`]).
#[derive(Debug, Default, Clone, Copy)]
pub struct QualitySums {
    feedback: Signal,
    hallucination: Signal,
    safety: Signal,
    relevance: Signal,
    coherence: Signal,
}

impl QualitySums {
    /// Whether any quality column of `t` holds a value (else adding rows adds nothing).
    pub fn any(t: &Table) -> bool {
        let p = Present::of(t);
        p.feedback || p.hallucination || p.safety || p.relevance || p.coherence
    }

    /// Adds row `i`.
    pub fn add_row(&mut self, c: &Cols, i: usize) {
        self.add(c, i, Present::of_quality());
    }

    /// Adds row `i`, skipping the signals `p` says no row has.
    #[inline(always)]
    fn add(&mut self, c: &Cols, i: usize, p: Present) {
        if p.feedback {
            self.feedback.add(c.feedback, i);
        }
        if p.hallucination {
            self.hallucination.add(c.hallucination, i);
        }
        if p.relevance {
            self.relevance.add(c.relevance, i);
        }
        if p.coherence {
            self.coherence.add(c.coherence, i);
        }
        if p.safety {
            if let Some(flagged) = c.safety(i) {
                self.safety.n += 1;
                self.safety.sum += f64::from(u8::from(flagged));
                self.safety.positive += u64::from(flagged);
            }
        }
    }

    /// Adds everything `other` holds.
    pub fn merge(&mut self, other: &QualitySums) {
        for (a, b) in [
            (&mut self.feedback, &other.feedback),
            (&mut self.hallucination, &other.hallucination),
            (&mut self.safety, &other.safety),
            (&mut self.relevance, &other.relevance),
            (&mut self.coherence, &other.coherence),
        ] {
            a.n += b.n;
            a.sum += b.sum;
            a.positive += b.positive;
        }
    }

    /// The figures over `requests` requests.
    pub fn finish(&self, requests: u64) -> Quality {
        Quality {
            feedback_count: self.feedback.n,
            feedback_coverage: self.feedback.coverage(requests),
            thumbs_up_rate: (self.feedback.n > 0)
                .then(|| self.feedback.positive as f64 / self.feedback.n as f64),
            feedback_mean: self.feedback.mean(),
            hallucination_count: self.hallucination.n,
            hallucination_coverage: self.hallucination.coverage(requests),
            hallucination_rate: self.hallucination.mean(),
            safety_count: self.safety.n,
            safety_coverage: self.safety.coverage(requests),
            safety_violation_rate: self.safety.mean(),
            relevance_count: self.relevance.n,
            relevance_coverage: self.relevance.coverage(requests),
            relevance_mean: self.relevance.mean(),
            coherence_count: self.coherence.n,
            coherence_coverage: self.coherence.coverage(requests),
            coherence_mean: self.coherence.mean(),
        }
    }
}

/// Adds a column's values at `rows` onto `sum` one by one (so the result is the row-wise
/// one), nulls counting as nothing, and counts the values in `n`. Column by column instead
/// of row by row: one tight loop per column, with the null test left out for a column that
/// has none.
fn add_column<T, A>(a: &A, rows: &[u32], value: impl Fn(&A, usize) -> T, sum: &mut T, n: &mut u64)
where
    A: Array,
    T: std::ops::AddAssign,
{
    if a.null_count() == 0 {
        for &i in rows {
            *sum += value(a, i as usize);
        }
        *n += rows.len() as u64;
    } else {
        for &i in rows {
            if a.is_valid(i as usize) {
                *sum += value(a, i as usize);
                *n += 1;
            }
        }
    }
}

impl Sums {
    /// Adds rows `rows` of `t`, in that order: the same sums as [`Sums::add`] on each, a
    /// column at a time (several times faster for many rows).
    pub fn add_rows(&mut self, t: &Table, rows: &[u32]) {
        let p = *self.present.get_or_insert_with(|| Present::of(t));
        let mut ignored = 0;
        let mut u32s = |a: &arrow::array::UInt32Array, sum: &mut u64| {
            add_column(a, rows, |a, i| u64::from(a.value(i)), sum, &mut ignored);
        };
        self.requests += rows.len() as u64;
        self.errors += rows.iter().filter(|&&i| t.error.value(i as usize)).count() as u64;
        u32s(&t.input_tokens, &mut self.input_tokens);
        u32s(&t.output_tokens, &mut self.output_tokens);
        if p.cached {
            u32s(&t.cached_input_tokens, &mut self.cached_input_tokens);
        }
        if p.reasoning {
            u32s(&t.reasoning_tokens, &mut self.reasoning_tokens);
        }
        let f64s = |a: &arrow::array::Float64Array, sum: &mut f64, n: &mut u64| {
            add_column(a, rows, |a, i| a.value(i), sum, n);
        };
        if p.ttft {
            f64s(&t.ttft_ms, &mut self.ttft_sum, &mut self.ttft_count);
        }
        f64s(
            &t.latency_ms,
            &mut self.latency_sum,
            &mut self.latency_count,
        );
        f64s(&t.cost_usd, &mut self.cost, &mut self.cost_count);
        let sources = t.cost_source.values();
        for &i in rows {
            let i = i as usize;
            self.add_cost_source(t, p, CostSource::from_u8(sources[i]), i);
        }
        let q = &mut self.quality;
        let c = t.cols();
        for (present, signal, a) in [
            (p.feedback, &mut q.feedback, c.feedback),
            (p.hallucination, &mut q.hallucination, c.hallucination),
            (p.relevance, &mut q.relevance, c.relevance),
            (p.coherence, &mut q.coherence, c.coherence),
        ] {
            if present {
                for &i in rows {
                    signal.add(a, i as usize);
                }
            }
        }
        if p.safety {
            for &i in rows {
                let i = i as usize;
                if t.safety_violation.is_valid(i) {
                    let flagged = t.safety_violation.value(i);
                    q.safety.n += 1;
                    q.safety.sum += f64::from(u8::from(flagged));
                    q.safety.positive += u64::from(flagged);
                }
            }
        }
    }

    /// Counts row `i` by where its cost comes from.
    fn add_cost_source(&mut self, t: &Table, p: Present, source: CostSource, i: usize) {
        match source {
            CostSource::Computed => self.cost_computed_count += 1,
            CostSource::Mismatch if p.cost_mismatch => {
                self.cost_mismatch_count += 1;
                if let Ok(k) = t.cost_mismatch.binary_search_by_key(&(i as u32), |m| m.0) {
                    self.cost_mismatch_usd += t.cost_usd.value(i) - t.cost_mismatch[k].1;
                }
            }
            CostSource::Mismatch => self.cost_mismatch_count += 1,
            CostSource::Unpriced => self.unpriced_requests += 1,
            CostSource::None | CostSource::Reported => {}
        }
    }

    /// Adds row `i` (rows of one table only).
    #[inline]
    pub fn add(&mut self, c: &Cols, i: usize) {
        let p = *self.present.get_or_insert_with(|| Present::of(c.t));
        self.requests += 1;
        self.errors += u64::from(c.error(i));
        if let Some(x) = c.input_tokens.get(i) {
            self.input_tokens += u64::from(x);
        }
        if let Some(x) = c.output_tokens.get(i) {
            self.output_tokens += u64::from(x);
        }
        if p.cached {
            if let Some(x) = c.cached_input_tokens.get(i) {
                self.cached_input_tokens += u64::from(x);
            }
        }
        if p.reasoning {
            if let Some(x) = c.reasoning_tokens.get(i) {
                self.reasoning_tokens += u64::from(x);
            }
        }
        if p.ttft {
            if let Some(x) = c.ttft_ms.get(i) {
                self.ttft_sum += x;
                self.ttft_count += 1;
            }
        }
        if let Some(x) = c.latency_ms.get(i) {
            self.latency_sum += x;
            self.latency_count += 1;
        }
        if let Some(x) = c.cost_usd.get(i) {
            self.cost += x;
            self.cost_count += 1;
        }
        let source = CostSource::from_u8(c.cost_source[i]);
        if source != CostSource::None && source != CostSource::Reported {
            self.add_cost_source(c.t, p, source, i);
        }
        self.quality.add(c, i, p);
    }

    /// Adds everything `other` holds (over other rows of the same table).
    pub fn merge(&mut self, other: &Sums) {
        if self.present.is_none() {
            self.present = other.present;
        }
        self.requests += other.requests;
        self.errors += other.errors;
        self.input_tokens += other.input_tokens;
        self.output_tokens += other.output_tokens;
        self.cached_input_tokens += other.cached_input_tokens;
        self.reasoning_tokens += other.reasoning_tokens;
        self.cost += other.cost;
        self.cost_count += other.cost_count;
        self.cost_computed_count += other.cost_computed_count;
        self.cost_mismatch_count += other.cost_mismatch_count;
        self.cost_mismatch_usd += other.cost_mismatch_usd;
        self.unpriced_requests += other.unpriced_requests;
        self.latency_sum += other.latency_sum;
        self.latency_count += other.latency_count;
        self.ttft_sum += other.ttft_sum;
        self.ttft_count += other.ttft_count;
        self.quality.merge(&other.quality);
    }

    /// The totals of what was added, with latency and TTFT figures found elsewhere.
    pub fn finish(&self, latency_ms: LatencyStats, ttft_ms: LatencyStats) -> Totals {
        Totals {
            requests: self.requests,
            errors: self.errors,
            error_rate: (self.requests > 0).then(|| self.errors as f64 / self.requests as f64),
            latency_ms,
            ttft_ms,
            input_tokens: self.input_tokens,
            output_tokens: self.output_tokens,
            cached_input_tokens: self.cached_input_tokens,
            reasoning_tokens: self.reasoning_tokens,
            cost_usd: (self.cost_count > 0).then_some(self.cost),
            cost_count: self.cost_count,
            cost_computed_count: self.cost_computed_count,
            cost_mismatch_count: self.cost_mismatch_count,
            cost_mismatch_usd: self.cost_mismatch_usd,
            unpriced_requests: self.unpriced_requests,
            quality: self.quality.finish(self.requests),
        }
    }
}

/// Accumulates [`Totals`] row by row: the [`Sums`] and the latency values.
#[derive(Default)]
pub struct Acc {
    /// Everything additive.
    pub sums: Sums,
    latencies: Vec<f64>,
    ttfts: Vec<f64>,
}

impl Acc {
    /// Adds rows `rows` of `t`, in that order (as [`Acc::add`] on each, faster).
    pub fn add_rows(&mut self, t: &Table, rows: &[u32]) {
        self.sums.add_rows(t, rows);
        let values = |a: &arrow::array::Float64Array, out: &mut Vec<f64>| {
            out.extend(
                rows.iter()
                    .map(|&i| i as usize)
                    .filter(|&i| a.is_valid(i))
                    .map(|i| a.value(i)),
            );
        };
        if self.sums.present.is_some_and(|p| p.ttft) {
            values(&t.ttft_ms, &mut self.ttfts);
        }
        values(&t.latency_ms, &mut self.latencies);
    }

    /// Adds row `i` (rows of one table only).
    pub fn add(&mut self, c: &Cols, i: usize) {
        self.sums.add(c, i);
        if self.sums.present.is_some_and(|p| p.ttft) {
            if let Some(x) = c.ttft_ms.get(i) {
                self.ttfts.push(x);
            }
        }
        if let Some(x) = c.latency_ms.get(i) {
            self.latencies.push(x);
        }
    }

    /// Adds everything `other` holds (over other rows of the same table).
    pub fn merge(&mut self, other: &Acc) {
        self.sums.merge(&other.sums);
        self.latencies.extend_from_slice(&other.latencies);
        self.ttfts.extend_from_slice(&other.ttfts);
    }

    /// The totals of what was added.
    pub fn finish(mut self) -> Totals {
        let latency = LatencyStats::of(&mut self.latencies);
        let ttft = LatencyStats::of(&mut self.ttfts);
        self.sums.finish(latency, ttft)
    }
}

/// The totals of the selected rows.
pub fn totals(t: &Table, rows: &[u32]) -> Totals {
    let mut acc = Acc::default();
    let c = t.cols();
    for &i in rows {
        acc.add(&c, i as usize);
    }
    acc.finish()
}
