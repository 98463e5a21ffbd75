//! Distributions over log-scale bins: requests per latency bin, as bars on a log x axis;
//! and input and output tokens per request, side by side in each bin.

use plotters::coord::combinators::IntoLogRange;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::{compact, count_axis, duration, legend, no_data, ChartData, DrawResult, Theme};
use crate::metrics::latency::Histogram;

pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    data: &ChartData,
    theme: &Theme,
) -> DrawResult<DB> {
    bars(root, theme, &[("", &data.latency_histogram)], &|x| {
        duration(*x)
    })
}

pub(super) fn draw_tokens<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    data: &ChartData,
    theme: &Theme,
) -> DrawResult<DB> {
    bars(
        root,
        theme,
        &[
            ("input", &data.input_tokens_histogram),
            ("output", &data.output_tokens_histogram),
        ],
        &|x| compact(*x),
    )?;
    Ok(())
}

/// The histograms `hs` (named for a legend when there are several) as bars sharing each
/// bin, on a log x axis labelled by `x_label`.
fn bars<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    theme: &Theme,
    hs: &[(&str, &Histogram)],
    x_label: &dyn Fn(&f64) -> String,
) -> DrawResult<DB> {
    let hs: Vec<(usize, &str, &Histogram)> = hs
        .iter()
        .enumerate()
        .filter(|(_, (_, h))| !h.counts.is_empty() && h.edges_ms.len() == h.counts.len() + 1)
        .map(|(k, (name, h))| (k, *name, *h))
        .collect();
    if hs.is_empty() {
        return no_data(root, theme);
    }
    // A log axis cannot start at 0: the bin below 1 is drawn from 0.5.
    let lo = hs
        .iter()
        .map(|h| h.2.edges_ms[0].max(0.5))
        .fold(f64::MAX, f64::min);
    let hi = hs
        .iter()
        .map(|h| h.2.edges_ms[h.2.counts.len()])
        .fold(lo * 2.0, f64::max);
    let max = hs
        .iter()
        .flat_map(|h| h.2.counts.iter().copied())
        .max()
        .unwrap_or(0) as f64;
    let mut chart = ChartBuilder::on(root)
        .margin(theme.px(8.0))
        .margin_right(theme.px(16.0))
        .x_label_area_size(theme.px(24.0))
        .y_label_area_size(theme.px(48.0))
        .build_cartesian_2d((lo..hi).log_scale(), count_axis(max))?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(6)
        .x_label_formatter(x_label)
        .y_label_formatter(&|v| compact(*v))
        .label_style(theme.font(11.0))
        .axis_style(theme.grid)
        .bold_line_style(theme.grid)
        .light_line_style(TRANSPARENT)
        .draw()?;
    let shares = hs.len() as f64;
    for (slot, (k, _, h)) in hs.iter().enumerate() {
        let color = theme.palette[*k];
        chart.draw_series(
            h.counts
                .iter()
                .enumerate()
                .filter(|(_, &c)| c > 0)
                .map(|(b, &c)| {
                    // Each histogram takes its share of the bin, evenly on the log axis.
                    let (a, z) = (h.edges_ms[b].max(lo).ln(), h.edges_ms[b + 1].ln());
                    let part = |s: f64| (a + (z - a) * s / shares).exp();
                    let (x0, x1) = (part(slot as f64), part(slot as f64 + 1.0));
                    Rectangle::new([(x0, 0.0), (x1, c as f64)], color.filled())
                }),
        )?;
    }
    if hs.len() > 1 {
        let items: Vec<(&str, RGBColor)> = hs
            .iter()
            .map(|(k, name, _)| (*name, theme.palette[*k]))
            .collect();
        legend(&chart.plotting_area().strip_coord_spec(), &items, theme)?;
    }
    Ok(())
}
