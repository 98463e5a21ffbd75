//! The latency distribution: requests per log-scale bin, as bars on a log x axis.

use plotters::coord::combinators::IntoLogRange;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::{count_axis, duration, no_data, ChartData, DrawResult, Theme};

pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    data: &ChartData,
    theme: &Theme,
) -> DrawResult<DB> {
    let h = &data.latency_histogram;
    if h.counts.is_empty() || h.edges_ms.len() != h.counts.len() + 1 {
        return no_data(root, theme);
    }
    // A log axis cannot start at 0: the bin below 1 ms is drawn from 0.5 ms.
    let lo = h.edges_ms[0].max(0.5);
    let hi = h.edges_ms[h.counts.len()].max(lo * 2.0);
    let max = h.counts.iter().copied().max().unwrap_or(0) as f64;
    let y = count_axis(max);
    let mut chart = ChartBuilder::on(root)
        .margin(theme.px(8.0))
        .margin_right(theme.px(16.0))
        .x_label_area_size(theme.px(24.0))
        .y_label_area_size(theme.px(48.0))
        .build_cartesian_2d((lo..hi).log_scale(), y)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(6)
        .x_label_formatter(&|x| duration(*x))
        .y_label_formatter(&|v| super::compact(*v))
        .label_style(theme.font(11.0))
        .axis_style(theme.grid)
        .bold_line_style(theme.grid)
        .light_line_style(TRANSPARENT)
        .draw()?;
    chart.draw_series(
        h.counts
            .iter()
            .enumerate()
            .filter(|(_, &c)| c > 0)
            .map(|(k, &c)| {
                let a = h.edges_ms[k].max(lo);
                let b = h.edges_ms[k + 1];
                Rectangle::new([(a, 0.0), (b, c as f64)], theme.palette[0].filled())
            }),
    )?;
    Ok(())
}
