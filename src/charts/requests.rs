//! Requests over time as bars, the failed part of each bar in the error colour.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::time_chart;
use super::{
    compact, count_axis, no_data, plot_box, ChartData, DrawResult, Theme, TimeAxis, Y_AREA,
};

pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    data: &ChartData,
    theme: &Theme,
) -> DrawResult<DB> {
    let s = &data.series;
    let max = s.requests.iter().copied().max().unwrap_or(0) as f64;
    let Some(axis) = TimeAxis::new(s, plot_box(root, theme, Y_AREA)).filter(|_| max > 0.0) else {
        return no_data(root, theme);
    };
    let mut chart = time_chart(root, theme, &axis, Y_AREA, count_axis(max), &|y| {
        compact(*y)
    })?;
    let width = s.bucket_secs as f64 * 1000.0;
    // Bars wide enough to spare it keep a hairline apart, so neighbours read as two.
    let gap = if s.bucket_secs as f64 * axis.px_per_sec >= 6.0 {
        theme.px(0.5).max(1)
    } else {
        0
    };
    let bar = |t: f64, lo: f64, hi: f64, color: RGBColor| {
        let mut r = Rectangle::new([(axis.x(t), lo), (axis.x(t + width), hi)], color.filled());
        r.set_margin(0, 0, gap, gap);
        r
    };
    let ok = theme.palette[0];
    let bars = s.start_ms.iter().zip(&s.requests).zip(&s.errors);
    chart.draw_series(
        bars.clone()
            .map(|((&t, &r), &e)| bar(t, e as f64, r as f64, ok)),
    )?;
    let bad = theme.bad;
    chart.draw_series(
        bars.filter(|(_, &e)| e > 0)
            .map(|((&t, _), &e)| bar(t, 0.0, e as f64, bad)),
    )?;
    super::legend(
        &chart.plotting_area().strip_coord_spec(),
        &[("requests", ok), ("errors", bad)],
        theme,
    )
}
