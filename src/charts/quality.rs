//! Quality over time: the thumbs-up rate, the hallucination rate and the share of flagged
//! outputs per bucket, in percent, one line each; gaps where a bucket has no such signal.
//! A signal the data does not carry at all is left out of the chart and its legend.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::time_chart;
use super::{gapped_line, no_data, plot_box, ChartData, DrawResult, Theme, TimeAxis, Y_AREA};
use crate::metrics::totals::Quality;

/// One rate of a bucket's quality figures.
type Rate = fn(&Quality) -> Option<f64>;

/// The rates drawn, with their legend names.
const RATES: [(&str, Rate); 3] = [
    ("thumbs up", |q| q.thumbs_up_rate),
    ("hallucination", |q| q.hallucination_rate),
    ("safety flags", |q| q.safety_violation_rate),
];

pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    data: &ChartData,
    theme: &Theme,
) -> DrawResult<DB> {
    let s = &data.series;
    let present: Vec<usize> = (0..RATES.len())
        .filter(|&r| s.quality.iter().any(|q| RATES[r].1(q).is_some()))
        .collect();
    let axis = TimeAxis::new(s, plot_box(root, theme, Y_AREA))
        .filter(|_| !present.is_empty() && s.quality.len() == s.start_ms.len());
    let Some(axis) = axis else {
        return no_data(root, theme);
    };
    // 0 to 100%, with room above for the legend.
    let mut chart = time_chart(root, theme, &axis, Y_AREA, 0.0..1.18, &|y| {
        if *y <= 1.0 + 1e-9 {
            format!("{:.0}%", y * 100.0)
        } else {
            String::new()
        }
    })?;
    let half = s.bucket_secs as f64 * 500.0;
    for &r in &present {
        let points = s.start_ms.iter().zip(&s.quality);
        let points = points.map(|(t, q)| RATES[r].1(q).map(|v| (axis.x(t + half), v)));
        gapped_line(&mut chart, points, theme.palette[r], theme)?;
    }
    let items: Vec<(&str, RGBColor)> = present
        .iter()
        .map(|&r| (RATES[r].0, theme.palette[r]))
        .collect();
    super::legend(&chart.plotting_area().strip_coord_spec(), &items, theme)
}
