//! Reported cost per model, horizontal bars, the largest on top.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{no_data, y_top, ChartData, DrawResult, Theme};

pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    data: &ChartData,
    theme: &Theme,
) -> DrawResult<DB> {
    let mut rows: Vec<(&str, f64)> = data
        .by_model
        .iter()
        .filter_map(|m| m.cost_usd.map(|c| (m.model.as_str(), c)))
        .collect();
    // Ascending, so the most expensive model is the top bar; ties by name.
    rows.sort_by(|a, b| a.1.total_cmp(&b.1).then_with(|| b.0.cmp(a.0)));
    let max = rows.iter().map(|r| r.1).fold(0.0, f64::max);
    if rows.is_empty() {
        return no_data(root, theme);
    }
    let n = rows.len();
    let longest = rows
        .iter()
        .map(|r| r.0.chars().count())
        .max()
        .unwrap_or(0)
        .min(28);
    let mut chart = ChartBuilder::on(root)
        .margin(theme.px(8.0))
        .margin_right(theme.px(20.0))
        .x_label_area_size(theme.px(24.0))
        .y_label_area_size(theme.px(12.0 + 6.2 * longest as f64))
        // A discrete range holds both its ends: 0..n - 1 is n slots, one a model.
        .build_cartesian_2d(0.0..y_top(max), (0..n - 1).into_segmented())?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_labels(5)
        .y_labels(n)
        .x_label_formatter(&|x| money(*x))
        .y_label_formatter(&|v| match v {
            SegmentValue::CenterOf(k) => rows.get(*k).map(|r| short(r.0)).unwrap_or_default(),
            _ => String::new(),
        })
        .label_style(theme.font(11.0))
        .axis_style(theme.grid)
        .bold_line_style(theme.grid)
        .light_line_style(TRANSPARENT)
        .draw()?;
    let pad = theme.px(4.0);
    chart.draw_series(rows.iter().enumerate().map(|(k, (_, cost))| {
        let mut bar = Rectangle::new(
            [
                (0.0, SegmentValue::Exact(k)),
                (*cost, SegmentValue::Exact(k + 1)),
            ],
            theme.palette[0].filled(),
        );
        bar.set_margin(pad, pad, 0, 0);
        bar
    }))?;
    Ok(())
}

/// "$12.34", "$1.2k", "$0.0042".
pub(super) fn money(v: f64) -> String {
    if v >= 1000.0 {
        format!("${:.1}k", v / 1000.0)
    } else if v >= 1.0 || v == 0.0 {
        format!("${v:.2}")
    } else {
        format!("${v:.4}")
    }
}

/// A model name cut to fit the label area.
fn short(name: &str) -> String {
    if name.chars().count() > 28 {
        name.chars().take(27).chain(['…']).collect()
    } else {
        name.to_string()
    }
}
