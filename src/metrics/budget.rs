//! Budgets: spend per day, week or month (local to a display time zone) against an amount,
//! globally or for one application. The data is an export, so "now" is its last request:
//! the current period is the one holding it. For that period: what was spent, the share of
//! the budget used, a run rate from the recent spend, a projection to the period's end, and
//! a burn-down (cumulative spend per hour of a day, per day of a week or month); and for
//! every period of the data, its spend and whether it went over.
//!
//! Run rate: the spend over the trailing seventh of the current period — a day's last
//! 3 h 25 min 43 s, a week's last day, a month's last 4 to 4.43 days — or over the elapsed
//! part of the period when that is shorter, per hour. A seventh follows a change in spend
//! quickly yet is long enough not to be one request's noise; for a week it is exactly one
//! day, so the daily rhythm does not bend it. Projection = spent + run rate × hours left.
//!
//! Requests without a cost (unpriced models) are not counted as zero: each figure says how
//! many of its requests had an unknown cost.

use arrow::array::Array;
use serde::{Deserialize, Serialize};

use super::cost::CostSource;
use crate::calendar::{Period, Zone};
use crate::ingest::time::{format_iso_micros, US_PER_S};
use crate::query::ts_range;
use crate::table::{Groups, Table};

/// A budget's period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BudgetPeriod {
    /// A local day.
    #[serde(alias = "daily")]
    Day,
    /// A local week, from Monday.
    #[serde(alias = "weekly")]
    Week,
    /// A local calendar month.
    #[serde(alias = "monthly")]
    Month,
}

impl BudgetPeriod {
    /// The calendar period.
    pub fn period(self) -> Period {
        match self {
            BudgetPeriod::Day => Period::Day,
            BudgetPeriod::Week => Period::Week,
            BudgetPeriod::Month => Period::Month,
        }
    }

    /// The burn-down's steps: hours of a day, days of a week or month.
    pub fn step(self) -> Period {
        match self {
            BudgetPeriod::Day => Period::Secs(3_600),
            BudgetPeriod::Week | BudgetPeriod::Month => Period::Day,
        }
    }

    /// "daily", "weekly", "monthly".
    pub fn adjective(self) -> &'static str {
        match self {
            BudgetPeriod::Day => "daily",
            BudgetPeriod::Week => "weekly",
            BudgetPeriod::Month => "monthly",
        }
    }
}

/// A spending limit per period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Budget {
    /// What to call it; default e.g. "daily budget $1,000 for application support-bot".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Day, week or month.
    pub period: BudgetPeriod,
    /// The amount, USD.
    pub usd: f64,
    /// Only this application's requests; all requests when `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application: Option<String>,
}

impl Budget {
    /// The given name, or one made from the budget.
    pub fn display_name(&self) -> String {
        if let Some(n) = &self.name {
            return n.clone();
        }
        let mut s = format!("{} budget {}", self.period.adjective(), usd_text(self.usd));
        if let Some(a) = &self.application {
            s.push_str(&format!(" for application {a}"));
        }
        s
    }
}

/// The spend of one period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeriodSpend {
    /// Period start, ISO 8601 UTC.
    pub start: String,
    /// Period end (exclusive), ISO 8601 UTC.
    pub end: String,
    /// Period start, ms since the epoch (for charts).
    pub start_ms: f64,
    /// Period end, ms since the epoch (for charts).
    pub end_ms: f64,
    /// Cost of its requests, USD (requests without a known cost add nothing).
    pub spent_usd: f64,
    /// spent / budget.
    pub utilisation: f64,
    /// Whether it spent more than the budget.
    pub over: bool,
    /// Its requests.
    pub requests: u64,
    /// Of those, requests whose cost is unknown (tokens, but an unpriced model).
    pub unpriced_requests: u64,
}

/// One step of the current period's burn-down.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BurnPoint {
    /// Step start (an hour or a day), ISO 8601 UTC.
    pub start: String,
    /// Step start, ms since the epoch.
    pub start_ms: f64,
    /// Spent during the step, USD.
    pub spent_usd: f64,
    /// Spent from the period's start to the step's end, USD.
    pub cumulative_usd: f64,
    /// Budget minus that (negative once over).
    pub remaining_usd: f64,
    /// The budget line: what an even pace would have spent by the step's end.
    pub pace_usd: f64,
}

/// A budget in the current period, and its history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BudgetStatus {
    /// The budget's name (given or made).
    pub name: String,
    /// day, week or month.
    pub period: BudgetPeriod,
    /// The budget's application, if it has one.
    pub application: Option<String>,
    /// The amount, USD.
    pub budget_usd: f64,
    /// The current period: the one holding the data's last request.
    pub current: PeriodSpend,
    /// The data's last request, ISO 8601 UTC ("now" for an export).
    pub now: String,
    /// The same, ms since the epoch (for charts).
    pub now_ms: f64,
    /// Hours of the trailing window the run rate is measured over.
    pub rate_window_hours: f64,
    /// Spend per hour over that window; `None` when it is empty (no time has elapsed).
    pub run_rate_usd_per_hour: Option<f64>,
    /// Hours from now to the period's end.
    pub remaining_hours: f64,
    /// spent + run rate × remaining hours.
    pub projected_usd: f64,
    /// projected / budget.
    pub projected_utilisation: f64,
    /// Whether the projection exceeds the budget.
    pub projected_over: bool,
    /// Cumulative spend per hour (a day) or day (a week or month) of the current period, up
    /// to now.
    pub burn_down: Vec<BurnPoint>,
    /// Every period of the data, oldest first; the last is the current one.
    pub periods: Vec<PeriodSpend>,
}

/// Cost and requests of a set of rows.
#[derive(Debug, Default, Clone, Copy)]
struct Spend {
    usd: f64,
    requests: u64,
    unpriced: u64,
}

impl Spend {
    fn add(&mut self, t: &Table, i: usize) {
        self.requests += 1;
        if t.cost_usd.is_valid(i) {
            self.usd += t.cost_usd.value(i);
        }
        if CostSource::from_u8(t.cost_source.value(i)) == CostSource::Unpriced {
            self.unpriced += 1;
        }
    }
}

/// The starts of the periods from the one holding `first` to the one holding `last`, then
/// the end of that last one.
pub(crate) fn boundaries(p: Period, z: &Zone, first: i64, last: i64) -> Vec<i64> {
    let mut b = vec![p.floor(first, z)];
    loop {
        let end = p.next(b[b.len() - 1], z);
        b.push(end);
        if end > last {
            return b;
        }
    }
}

/// Which period of `bounds` (from [`boundaries`]) holds `ts`.
fn index(bounds: &[i64], ts: i64) -> usize {
    bounds.partition_point(|&b| b <= ts).saturating_sub(1)
}

fn hours(us: i64) -> f64 {
    us as f64 / (3_600 * US_PER_S) as f64
}

/// Each budget's status; empty when no request has a timestamp. Rows without a timestamp
/// cannot be placed in a period and are left out.
pub fn budgets(t: &Table, budgets: &[Budget], z: &Zone) -> Vec<BudgetStatus> {
    let Some((first, now)) = ts_range(t) else {
        return Vec::new();
    };
    let apps = Groups::of(&t.application);
    budgets
        .iter()
        .map(|b| status(t, &apps, b, z, first, now))
        .collect()
}

fn status(
    t: &Table,
    apps: &Groups,
    budget: &Budget,
    z: &Zone,
    first: i64,
    now: i64,
) -> BudgetStatus {
    // An application that is not in the data has spent nothing; no row matches it.
    let app = budget
        .application
        .as_ref()
        .map(|a| apps.labels.iter().position(|l| l == a).map(|k| k as u32));
    let bounds = boundaries(budget.period.period(), z, first, now);
    let (start, end) = (bounds[bounds.len() - 2], bounds[bounds.len() - 1]);
    let steps = boundaries(budget.period.step(), z, start, now);
    let rate_window = ((end - start) / 7).min(now - start);
    let rate_from = now - rate_window;

    let mut per_period = vec![Spend::default(); bounds.len() - 1];
    let mut per_step = vec![Spend::default(); steps.len() - 1];
    let mut recent = 0.0;
    for i in 0..t.len() {
        if !t.ts.is_valid(i) {
            continue;
        }
        if let Some(want) = app {
            if want != Some(apps.of_row(i)) {
                continue;
            }
        }
        let ts = t.ts.value(i);
        per_period[index(&bounds, ts)].add(t, i);
        if ts >= start {
            per_step[index(&steps, ts)].add(t, i);
            if ts >= rate_from && t.cost_usd.is_valid(i) {
                recent += t.cost_usd.value(i);
            }
        }
    }

    let usd = budget.usd;
    let periods: Vec<PeriodSpend> = per_period
        .iter()
        .zip(bounds.windows(2))
        .map(|(s, w)| PeriodSpend {
            start: format_iso_micros(w[0]),
            end: format_iso_micros(w[1]),
            start_ms: w[0] as f64 / 1000.0,
            end_ms: w[1] as f64 / 1000.0,
            spent_usd: s.usd,
            utilisation: s.usd / usd,
            over: s.usd > usd,
            requests: s.requests,
            unpriced_requests: s.unpriced,
        })
        .collect();
    let mut cumulative = 0.0;
    let burn_down = per_step
        .iter()
        .zip(steps.windows(2))
        .map(|(s, w)| {
            cumulative += s.usd;
            BurnPoint {
                start: format_iso_micros(w[0]),
                start_ms: w[0] as f64 / 1000.0,
                spent_usd: s.usd,
                cumulative_usd: cumulative,
                remaining_usd: usd - cumulative,
                pace_usd: usd * (w[1].min(end) - start) as f64 / (end - start) as f64,
            }
        })
        .collect();
    let current = periods[periods.len() - 1].clone();
    let run_rate = (rate_window > 0).then(|| recent / hours(rate_window));
    let remaining_hours = hours(end - now);
    let projected = current.spent_usd + run_rate.unwrap_or(0.0) * remaining_hours;
    BudgetStatus {
        name: budget.display_name(),
        period: budget.period,
        application: budget.application.clone(),
        budget_usd: usd,
        current,
        now: format_iso_micros(now),
        now_ms: now as f64 / 1000.0,
        rate_window_hours: hours(rate_window),
        run_rate_usd_per_hour: run_rate,
        remaining_hours,
        projected_usd: projected,
        projected_utilisation: projected / usd,
        projected_over: projected > usd,
        burn_down,
        periods,
    }
}

/// $1,000 or $12.5: dollars with thousands separators, no trailing zeros.
pub fn usd_text(v: f64) -> String {
    format!("${}", number_text(v))
}

/// A number with thousands separators and at most 6 decimals, trailing zeros dropped:
/// 1000 -> "1,000", 0.05 -> "0.05", -1234.5 -> "-1,234.5".
pub fn number_text(v: f64) -> String {
    let s = format!("{:.6}", v.abs());
    let s = s.trim_end_matches('0').trim_end_matches('.');
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let mut out = String::new();
    if v < 0.0 && s != "0" {
        out.push('-');
    }
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(number_text(1000.0), "1,000");
        assert_eq!(number_text(0.05), "0.05");
        assert_eq!(number_text(-1234.5), "-1,234.5");
        assert_eq!(number_text(1_234_567.0), "1,234,567");
        assert_eq!(number_text(0.0), "0");
        assert_eq!(number_text(-0.0000001), "0");
        assert_eq!(usd_text(12.5), "$12.5");
    }
}
