//! Requests in flight over time: each bucket's mean concurrency (the time requests spent
//! running inside it over its length), as a line.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{
    compact, dots, no_data, plot_box, tint, y_top, ChartData, DrawResult, Theme, TimeAxis, MARGIN,
    Y_AREA,
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
    let mut chart = ChartBuilder::on(root)
        .margin(theme.px(MARGIN))
        .x_label_area_size(theme.px(24.0))
        .y_label_area_size(theme.px(Y_AREA))
        .build_cartesian_2d(axis.coord(), 0.0..y_top(max))?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(6)
        .y_labels(5)
        .x_label_formatter(&|x| axis.label(*x))
        .y_label_formatter(&|y| compact(*y))
        .label_style(theme.font(11.0))
        .axis_style(theme.grid)
        .bold_line_style(theme.grid)
        .light_line_style(TRANSPARENT)
        .draw()?;
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
