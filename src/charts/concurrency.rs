//! Requests in flight over time: each bucket's mean concurrency (the time requests spent
//! running inside it over its length), as a line.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::time_chart;
use super::{
    compact, dots, no_data, plot_box, tint, y_top, ChartData, DrawResult, Theme, TimeAxis, Y_AREA,
};

pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    data: &ChartData,
    theme: &Theme,
) -> DrawResult<DB> {
    let s = &data.series;
    let max = s.concurrency.iter().copied().fold(0.0, f64::max);
    let Some(axis) = TimeAxis::new(s, plot_box(root, theme, Y_AREA)).filter(|_| max > 0.0) else {
        return no_data(root, theme);
    };
    let mut chart = time_chart(root, theme, &axis, Y_AREA, 0.0..y_top(max), &|y| {
        compact(*y)
    })?;
    let half = s.bucket_secs as f64 * 500.0;
    let points: Vec<(f64, f64)> = s
        .start_ms
        .iter()
        .zip(&s.concurrency)
        .map(|(t, &c)| (axis.x(t + half), c))
        .collect();
    let color = theme.palette[2];
    chart.draw_series(
        AreaSeries::new(
            points.iter().copied(),
            0.0,
            tint(color, theme.background, 0.25),
        )
        .border_style(theme.line(color, 1.5)),
    )?;
    if let [p] = &points[..] {
        dots(&mut chart, [*p], color, theme)?;
    }
    Ok(())
}
