//! Input and output tokens over time, stacked areas.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{
    compact, count_axis, dots, no_data, plot_box, tint, ChartData, DrawResult, Theme, TimeAxis,
    MARGIN, Y_AREA,
};

pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    data: &ChartData,
    theme: &Theme,
) -> DrawResult<DB> {
    let s = &data.series;
    let total: Vec<f64> = s
        .input_tokens
        .iter()
        .zip(&s.output_tokens)
        .map(|(i, o)| (i + o) as f64)
        .collect();
    let max = total.iter().copied().fold(0.0, f64::max);
    let Some(axis) = TimeAxis::new(s, plot_box(root, theme, Y_AREA)).filter(|_| max > 0.0) else {
        return no_data(root, theme);
    };
    let mut chart = ChartBuilder::on(root)
        .margin(theme.px(MARGIN))
        .x_label_area_size(theme.px(24.0))
        .y_label_area_size(theme.px(Y_AREA))
        .build_cartesian_2d(axis.coord(), count_axis(max))?;
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
    let xs: Vec<f64> = s.start_ms.iter().map(|t| axis.x(t + half)).collect();
    let (input, output) = (theme.palette[0], theme.palette[1]);
    // Output is stacked on input: the top area is drawn first, input over it.
    chart.draw_series(
        AreaSeries::new(
            xs.iter().copied().zip(total.iter().copied()),
            0.0,
            tint(output, theme.background, 0.35),
        )
        .border_style(theme.line(output, 1.0)),
    )?;
    chart.draw_series(
        AreaSeries::new(
            xs.iter()
                .copied()
                .zip(s.input_tokens.iter().map(|&v| v as f64)),
            0.0,
            tint(input, theme.background, 0.35),
        )
        .border_style(theme.line(input, 1.0)),
    )?;
    // Every bucket is a point of the areas (an empty one at zero), so only a series of one
    // bucket has a point no area reaches.
    if let ([x], [t], [i]) = (&xs[..], &total[..], &s.input_tokens[..]) {
        dots(&mut chart, [(*x, *t)], output, theme)?;
        dots(&mut chart, [(*x, *i as f64)], input, theme)?;
    }
    super::legend(
        &chart.plotting_area().strip_coord_spec(),
        &[("input", input), ("output", output)],
        theme,
    )
}
