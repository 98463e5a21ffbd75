//! Latency p50 / p95 / p99 over time, one line each, on a log scale (so a p50 of 800 ms and a
//! p99 of 30 s both read); gaps where a bucket has no latency.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::time_chart;
use super::{
    duration, gapped_line, no_data, plot_box, ChartData, DrawResult, Theme, TimeAxis, LEGEND_CLEAR,
};

/// Width of the y labels ("850 ms", "100 s"), CSS px.
const Y_AREA: f64 = 52.0;

pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    data: &ChartData,
    theme: &Theme,
) -> DrawResult<DB> {
    let s = &data.series;
    let lines = [("p50", &s.p50_ms), ("p95", &s.p95_ms), ("p99", &s.p99_ms)];
    let values = || lines.iter().flat_map(|(_, v)| v.iter().flatten().copied());
    let max = values().fold(f64::NAN, f64::max);
    // The axis spans whole decades; zero latencies sit on its floor.
    let min = values().filter(|v| *v > 0.0).fold(f64::NAN, f64::min);
    let Some(axis) =
        TimeAxis::new(s, plot_box(root, theme, Y_AREA)).filter(|_| max.is_finite() && max > 0.0)
    else {
        return no_data(root, theme);
    };
    let lo = 10f64.powf(min.log10().floor());
    let mut hi = 10f64.powf(max.log10().ceil()).max(lo * 10.0);
    // The top value (perhaps a lone dot) stays clear of the legend: the axis reaches a
    // little past the decade if it must.
    if (max / lo).log10() > LEGEND_CLEAR * (hi / lo).log10() {
        hi = lo * (max / lo).powf(1.0 / LEGEND_CLEAR);
    }
    let mut chart = time_chart(root, theme, &axis, Y_AREA, (lo..hi).log_scale(), &|y| {
        duration(*y)
    })?;
    let half = s.bucket_secs as f64 * 500.0;
    for (k, (_, values)) in lines.iter().enumerate() {
        let points = s.start_ms.iter().zip(values.iter());
        let points = points.map(|(t, v)| v.map(|v| (axis.x(t + half), v.max(lo))));
        gapped_line(&mut chart, points, theme.palette[k], theme)?;
    }
    let items: Vec<(&str, RGBColor)> = lines
        .iter()
        .enumerate()
        .map(|(k, (name, _))| (*name, theme.palette[k]))
        .collect();
    super::legend(&chart.plotting_area().strip_coord_spec(), &items, theme)
}
