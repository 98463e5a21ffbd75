//! Charts, one file each, generic over plotters' `DrawingBackend`: the browser draws them on
//! a canvas, native tests draw them to SVG.

mod cost_by_model;
mod latency;
mod requests;
mod tokens;

use plotters::coord::Shift;
use plotters::prelude::*;
use serde::Deserialize;

use crate::ingest::time::civil_from_days;
use crate::metrics::series::Series;
use crate::Dashboard;

/// The charts there are, by name.
pub const CHART_NAMES: [&str; 4] = ["latency", "requests", "tokens", "cost_by_model"];

/// What the charts read: the parts of a [`Dashboard`] they draw.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ChartData {
    /// Over time.
    pub series: Series,
    /// Per model.
    pub by_model: Vec<ModelCost>,
}

/// One model's requests and cost.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ModelCost {
    /// Model name.
    pub model: String,
    /// Requests.
    pub requests: u64,
    /// Reported cost, USD.
    pub cost_usd: Option<f64>,
}

impl From<&Dashboard> for ChartData {
    fn from(d: &Dashboard) -> Self {
        ChartData {
            series: d.series.clone(),
            by_model: d
                .by_model
                .iter()
                .map(|m| ModelCost {
                    model: m.model.clone(),
                    requests: m.totals.requests,
                    cost_usd: m.totals.cost_usd,
                })
                .collect(),
        }
    }
}

/// Colours and scale.
#[derive(Debug, Clone, Copy)]
pub struct Theme {
    /// Device pixels per CSS pixel: fonts, margins and lines scale with it.
    pub dpr: f64,
    /// Chart background.
    pub background: RGBColor,
    /// Labels.
    pub text: RGBColor,
    /// Axes and grid lines.
    pub grid: RGBColor,
    /// Series colours, in order.
    pub palette: [RGBColor; 5],
    /// Errors.
    pub bad: RGBColor,
}

impl Theme {
    /// The light or dark theme at a pixel ratio.
    pub fn new(dark: bool, dpr: f64) -> Theme {
        let dpr = if dpr.is_finite() {
            dpr.clamp(0.5, 4.0)
        } else {
            1.0
        };
        if dark {
            Theme {
                dpr,
                background: RGBColor(0x16, 0x1b, 0x22),
                text: RGBColor(0xc9, 0xd1, 0xd9),
                grid: RGBColor(0x30, 0x36, 0x3d),
                palette: [
                    RGBColor(0x58, 0xa6, 0xff),
                    RGBColor(0xd2, 0x99, 0x22),
                    RGBColor(0xbc, 0x8c, 0xff),
                    RGBColor(0x3f, 0xb9, 0x50),
                    RGBColor(0x8b, 0x94, 0x9e),
                ],
                bad: RGBColor(0xf8, 0x51, 0x49),
            }
        } else {
            Theme {
                dpr,
                background: RGBColor(0xff, 0xff, 0xff),
                text: RGBColor(0x37, 0x41, 0x51),
                grid: RGBColor(0xe5, 0xe7, 0xeb),
                palette: [
                    RGBColor(0x25, 0x63, 0xeb),
                    RGBColor(0xd9, 0x77, 0x06),
                    RGBColor(0x7c, 0x3a, 0xed),
                    RGBColor(0x05, 0x96, 0x69),
                    RGBColor(0x6b, 0x72, 0x80),
                ],
                bad: RGBColor(0xdc, 0x26, 0x26),
            }
        }
    }

    /// A length in CSS pixels, in device pixels.
    fn px(&self, css: f64) -> u32 {
        (css * self.dpr).round() as u32
    }

    fn font(&self, css: f64) -> TextStyle<'static> {
        ("sans-serif", css * self.dpr).into_font().color(&self.text)
    }

    fn line(&self, color: RGBColor, css_width: f64) -> ShapeStyle {
        ShapeStyle {
            color: color.to_rgba(),
            filled: false,
            stroke_width: self.px(css_width).max(1),
        }
    }
}

/// Draws chart `name` over the whole of `root`.
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    name: &str,
    data: &ChartData,
    theme: &Theme,
) -> Result<(), String> {
    let result = root.fill(&theme.background).and_then(|_| match name {
        "latency" => latency::draw(root, data, theme),
        "requests" => requests::draw(root, data, theme),
        "tokens" => tokens::draw(root, data, theme),
        "cost_by_model" => cost_by_model::draw(root, data, theme),
        _ => Ok(()),
    });
    if !CHART_NAMES.contains(&name) {
        return Err(format!("no chart is called {name:?}"));
    }
    result
        .and_then(|_| root.present())
        .map_err(|e| format!("drawing {name}: {e}"))
}

/// Series names with colour swatches in one row at the top left of the plotting area.
/// Drawn here rather than with plotters' series labels, which measure text through the
/// DOM in the browser (blocked by our CSP, and slow); this measures through the backend.
fn legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    items: &[(&str, RGBColor)],
    theme: &Theme,
) -> DrawResult<DB> {
    let font = theme.font(11.0);
    let (swatch, gap, pad) = (
        theme.px(9.0) as i32,
        theme.px(5.0) as i32,
        theme.px(6.0) as i32,
    );
    let mut placed = Vec::with_capacity(items.len());
    let mut x = pad;
    let mut height = swatch;
    for (label, color) in items {
        let (w, h) = area.estimate_text_size(label, &font)?;
        placed.push((x, *label, *color));
        x += swatch + gap + w as i32 + 2 * gap;
        height = height.max(h as i32);
    }
    let (top, bottom) = (pad / 2, pad / 2 + height + pad);
    area.draw(&Rectangle::new(
        [(0, top), (x, bottom)],
        theme.background.mix(0.85).filled(),
    ))?;
    let mid = (top + bottom) / 2;
    for (x, label, color) in placed {
        area.draw(&Rectangle::new(
            [(x, mid - swatch / 2), (x + swatch, mid + swatch / 2)],
            color.filled(),
        ))?;
        let style = font.pos(plotters::style::text_anchor::Pos::new(
            plotters::style::text_anchor::HPos::Left,
            plotters::style::text_anchor::VPos::Center,
        ));
        area.draw_text(label, &style, (x + swatch + gap, mid))?;
    }
    Ok(())
}

type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// Writes "No data" in the middle of an empty chart.
fn no_data<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult<DB> {
    let (w, h) = root.dim_in_pixel();
    let style = theme.font(13.0).pos(plotters::style::text_anchor::Pos::new(
        plotters::style::text_anchor::HPos::Center,
        plotters::style::text_anchor::VPos::Center,
    ));
    root.draw_text("No data", &style, (w as i32 / 2, h as i32 / 2))
}

/// The x axis of a time chart: bucket times mapped to days or hours since a round origin,
/// so plotters' "nice" tick values land on midnights and whole hours.
struct TimeAxis {
    origin_ms: f64,
    unit_ms: f64,
}

const HOUR_MS: f64 = 3_600_000.0;
const DAY_MS: f64 = 86_400_000.0;

impl TimeAxis {
    fn new(s: &Series) -> Option<(TimeAxis, std::ops::Range<f64>)> {
        let first = *s.start_ms.first()?;
        let end = s.start_ms.last()? + s.bucket_secs as f64 * 1000.0;
        let unit_ms = if end - first > 2.0 * DAY_MS {
            DAY_MS
        } else if end - first > 2.0 * HOUR_MS {
            HOUR_MS
        } else {
            60_000.0
        };
        let origin_ms = (first / unit_ms).floor() * unit_ms;
        let axis = TimeAxis { origin_ms, unit_ms };
        let range = axis.x(first)..axis.x(end);
        Some((axis, range))
    }

    fn x(&self, ms: f64) -> f64 {
        (ms - self.origin_ms) / self.unit_ms
    }

    /// "Nov 18" on a midnight, "Nov 18 14:00" otherwise (UTC).
    fn label(&self, x: f64) -> String {
        let ms = (self.origin_ms + x * self.unit_ms).round() as i64;
        let days = ms.div_euclid(DAY_MS as i64);
        let secs = ms.rem_euclid(DAY_MS as i64) / 1000;
        let (_, m, d) = civil_from_days(days);
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        let month = MONTHS[(m as usize - 1) % 12];
        if secs == 0 {
            format!("{month} {d}")
        } else {
            format!("{month} {d} {:02}:{:02}", secs / 3600, secs / 60 % 60)
        }
    }
}

/// A compact number: 950, 1.2k, 3.4M.
pub fn compact(v: f64) -> String {
    let a = v.abs();
    if a >= 1e9 {
        format!("{:.1}G", v / 1e9)
    } else if a >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if a >= 1e3 {
        format!("{:.1}k", v / 1e3)
    } else if a >= 10.0 || a == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// A duration for an axis: "850 ms", "1.5 s", "12 s", "2 min".
pub fn duration(ms: f64) -> String {
    if ms < 1_000.0 {
        format!("{} ms", compact(ms))
    } else if ms < 10_000.0 {
        format!("{} s", ((ms / 100.0).round() / 10.0))
    } else if ms < 120_000.0 {
        format!("{:.0} s", ms / 1_000.0)
    } else {
        format!("{:.0} min", ms / 60_000.0)
    }
}

/// `color` laid over `background` at opacity `alpha`, as one opaque colour, so overlapping
/// areas never mix into grey.
fn tint(color: RGBColor, background: RGBColor, alpha: f64) -> RGBColor {
    let mix = |c: u8, b: u8| (f64::from(c) * alpha + f64::from(b) * (1.0 - alpha)).round() as u8;
    RGBColor(
        mix(color.0, background.0),
        mix(color.1, background.1),
        mix(color.2, background.2),
    )
}

/// The upper end of a y axis showing `max`: a little headroom, never empty.
fn y_top(max: f64) -> f64 {
    if max.is_finite() && max > 0.0 {
        max * 1.08
    } else {
        1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_labels() {
        let s = Series {
            bucket_secs: 3600,
            start_ms: vec![1_763_424_000_000.0, 1_763_427_600_000.0],
            ..Series::default()
        };
        let (axis, range) = TimeAxis::new(&s).expect("has buckets");
        assert_eq!(axis.unit_ms, 60_000.0);
        assert_eq!(range, 0.0..120.0);
        assert_eq!(axis.label(0.0), "Nov 18");
        assert_eq!(axis.label(90.0), "Nov 18 01:30");
    }

    #[test]
    fn compact_numbers() {
        assert_eq!(compact(950.0), "950");
        assert_eq!(compact(1_234.0), "1.2k");
        assert_eq!(compact(3_400_000.0), "3.4M");
        assert_eq!(compact(0.25), "0.25");
    }

    #[test]
    fn durations() {
        assert_eq!(duration(850.0), "850 ms");
        assert_eq!(duration(1_500.0), "1.5 s");
        assert_eq!(duration(10_000.0), "10 s");
        assert_eq!(duration(100_000.0), "100 s");
        assert_eq!(duration(600_000.0), "10 min");
    }
}
