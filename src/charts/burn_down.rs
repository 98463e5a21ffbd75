//! A budget's burn-down over its current period: cumulative spend up to the data's last
//! request, the even pace that ends on the budget, the projection from the recent run rate
//! to the period's end, and the budget itself. Time reads from the period's start (hours of
//! a day, days of a week or month), which is the same in every time zone.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::cost_by_model::money;
use super::{legend, no_data, tint, y_top, BudgetChart, ChartData, DrawResult, Theme};

const HOUR_MS: f64 = 3_600_000.0;

pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    data: &ChartData,
    theme: &Theme,
) -> DrawResult<DB> {
    let Some(b) = data.budget.as_ref().filter(|b| {
        b.current.end_ms > b.current.start_ms && b.budget_usd > 0.0 && b.budget_usd.is_finite()
    }) else {
        return no_data(root, theme);
    };
    let hours = |ms: f64| (ms - b.current.start_ms) / HOUR_MS;
    let end = hours(b.current.end_ms);
    let now = hours(b.now_ms).clamp(0.0, end);
    let spent = spent_points(b, &hours, now);
    let spent_now = spent.last().map_or(0.0, |p| p.1);
    let top = [b.budget_usd, b.projected_usd, spent_now]
        .into_iter()
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    // A day (23 to 25 hours across DST changes) is read in hours, a week or a month in days.
    let in_days = end > 26.0;
    let mut chart = ChartBuilder::on(root)
        .margin(theme.px(8.0))
        .margin_top(theme.px(26.0))
        .x_label_area_size(theme.px(22.0))
        .y_label_area_size(theme.px(52.0))
        .build_cartesian_2d(0.0..end, 0.0..y_top(top))?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(if in_days { 6 } else { 7 })
        .y_labels(5)
        .x_label_formatter(&|h| {
            if in_days {
                format!("day {}", (h / 24.0).floor() as i64 + 1)
            } else {
                format!("{:.0}h", h)
            }
        })
        .y_label_formatter(&|v| money(*v))
        .label_style(theme.font(11.0))
        .axis_style(theme.grid)
        .bold_line_style(theme.grid)
        .light_line_style(TRANSPARENT)
        .draw()?;

    let spend = theme.palette[0];
    let pace = tint(theme.text, theme.background, 0.45);
    let projection = tint(spend, theme.background, 0.5);
    chart.draw_series(LineSeries::new(
        [(0.0, 0.0), (end, b.budget_usd)],
        theme.line(pace, 1.0),
    ))?;
    chart.draw_series(LineSeries::new(
        [(0.0, b.budget_usd), (end, b.budget_usd)],
        theme.line(theme.bad, 1.5),
    ))?;
    if b.projected_usd.is_finite() && now < end {
        chart.draw_series(LineSeries::new(
            [(now, spent_now), (end, b.projected_usd)],
            theme.line(projection, 1.5),
        ))?;
    }
    chart.draw_series(
        AreaSeries::new(
            spent.iter().copied(),
            0.0,
            tint(spend, theme.background, 0.2),
        )
        .border_style(theme.line(spend, 2.0)),
    )?;
    legend(
        root,
        &[
            ("spent", spend),
            ("even pace", pace),
            ("projection", projection),
            ("budget", theme.bad),
        ],
        theme,
    )
}

/// The cumulative spend as points (hours, USD): zero at the start, then the total at the
/// end of each step (the last one ends at `now`).
fn spent_points(b: &BudgetChart, hours: &dyn Fn(f64) -> f64, now: f64) -> Vec<(f64, f64)> {
    let mut points = vec![(0.0, 0.0)];
    for (k, step) in b.burn_down.iter().enumerate() {
        let next = b
            .burn_down
            .get(k + 1)
            .map_or(now, |n| hours(n.start_ms).min(now));
        if step.cumulative_usd.is_finite() {
            points.push((next.max(hours(step.start_ms)), step.cumulative_usd));
        }
    }
    points
}
