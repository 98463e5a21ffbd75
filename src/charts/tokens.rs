//! Input and output tokens per second over time (each bucket's tokens over its own length,
//! which a local day across a DST change makes 23 or 25 hours), stacked areas.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::time_chart;
use super::{
    compact, count_axis, dots, no_data, plot_box, tint, ChartData, DrawResult, Theme, TimeAxis,
    Y_AREA,
};

pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    data: &ChartData,
    theme: &Theme,
) -> DrawResult<DB> {
    let s = &data.series;
    let input: Vec<f64> = s
        .input_tokens
        .iter()
        .zip(&s.tokens_per_s)
        .zip(s.input_tokens.iter().zip(&s.output_tokens))
        .map(|((_, rate), (i, o))| {
            let all = (i + o) as f64;
            if all > 0.0 {
                rate * *i as f64 / all
            } else {
                0.0
            }
        })
        .collect();
    let total: Vec<f64> = s.tokens_per_s.clone();
    let max = total.iter().copied().fold(0.0, f64::max);
    let Some(axis) = TimeAxis::new(s, plot_box(root, theme, Y_AREA)).filter(|_| max > 0.0) else {
        return no_data(root, theme);
    };
    let mut chart = time_chart(root, theme, &axis, Y_AREA, count_axis(max), &|y| {
        compact(*y)
    })?;
    let half = s.bucket_secs as f64 * 500.0;
    let xs: Vec<f64> = s.start_ms.iter().map(|t| axis.x(t + half)).collect();
    let (input_color, output_color) = (theme.palette[0], theme.palette[1]);
    // Output is stacked on input: the top area is drawn first, input over it.
    chart.draw_series(
        AreaSeries::new(
            xs.iter().copied().zip(total.iter().copied()),
            0.0,
            tint(output_color, theme.background, 0.35),
        )
        .border_style(theme.line(output_color, 1.0)),
    )?;
    chart.draw_series(
        AreaSeries::new(
            xs.iter().copied().zip(input.iter().copied()),
            0.0,
            tint(input_color, theme.background, 0.35),
        )
        .border_style(theme.line(input_color, 1.0)),
    )?;
    // Every bucket is a point of the areas (an empty one at zero), so only a series of one
    // bucket has a point no area reaches.
    if let ([x], [t], [i]) = (&xs[..], &total[..], &input[..]) {
        dots(&mut chart, [(*x, *t)], output_color, theme)?;
        dots(&mut chart, [(*x, *i)], input_color, theme)?;
    }
    super::legend(
        &chart.plotting_area().strip_coord_spec(),
        &[("input", input_color), ("output", output_color)],
        theme,
    )
}
