//! Charts, one file each, generic over plotters' `DrawingBackend`: the browser draws them on
//! a canvas, native tests draw them to SVG.

mod burn_down;
mod concurrency;
mod cost_by_model;
mod histogram;
mod latency;
mod quality;
mod requests;
mod tokens;

use plotters::coord::ranged1d::{AsRangedCoord, DefaultFormatting, KeyPointHint, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use serde::Deserialize;

use crate::ingest::time::civil_from_days;
use crate::metrics::latency::Histogram;
use crate::metrics::series::Series;
use crate::Dashboard;

/// The charts there are, by name.
pub const CHART_NAMES: [&str; 9] = [
    "latency",
    "requests",
    "tokens",
    "cost_by_model",
    "latency_histogram",
    "concurrency",
    "burn_down",
    "quality",
    "tokens_histogram",
];

/// What the charts read: the parts of a [`Dashboard`] they draw.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ChartData {
    /// Over time.
    pub series: Series,
    /// Per model.
    pub by_model: Vec<ModelCost>,
    /// Latency distribution.
    pub latency_histogram: Histogram,
    /// Input tokens per request.
    pub input_tokens_histogram: Histogram,
    /// Output tokens per request.
    pub output_tokens_histogram: Histogram,
    /// A budget's current period, for its burn-down (not part of a dashboard).
    pub budget: Option<BudgetChart>,
}

/// What the burn-down reads of a budget's status
/// ([`BudgetStatus`](crate::metrics::budget::BudgetStatus)).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct BudgetChart {
    /// The budget, USD.
    pub budget_usd: f64,
    /// The current period.
    pub current: BudgetPeriodSpan,
    /// The data's last request, ms since the epoch.
    pub now_ms: f64,
    /// Projected spend at the period's end, USD.
    pub projected_usd: f64,
    /// Cumulative spend per step of the period.
    pub burn_down: Vec<BurnStep>,
}

/// The current period's bounds.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct BudgetPeriodSpan {
    /// Start, ms since the epoch.
    pub start_ms: f64,
    /// End (exclusive), ms since the epoch.
    pub end_ms: f64,
}

/// One step of a burn-down.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct BurnStep {
    /// Step start, ms since the epoch.
    pub start_ms: f64,
    /// Spent from the period's start to the step's end, USD.
    pub cumulative_usd: f64,
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
            latency_histogram: d.latency_histogram.clone(),
            input_tokens_histogram: d.input_tokens_histogram.clone(),
            output_tokens_histogram: d.output_tokens_histogram.clone(),
            budget: None,
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
        "latency_histogram" => histogram::draw(root, data, theme),
        "tokens_histogram" => histogram::draw_tokens(root, data, theme),
        "concurrency" => concurrency::draw(root, data, theme),
        "burn_down" => burn_down::draw(root, data, theme),
        "quality" => quality::draw(root, data, theme),
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

/// The x axis of a time chart: milliseconds mapped to seconds since the axis start, with
/// ticks chosen here (not by plotters) on round times, labelled to the precision their
/// spacing needs, never two alike side by side, and never more than fit the width.
struct TimeAxis {
    /// Time at x = 0, ms since the epoch.
    origin_ms: f64,
    /// The x range, seconds since `origin_ms`.
    end: f64,
    /// Tick positions (x) and their labels.
    ticks: Vec<(f64, String)>,
    /// Scale, CSS px per second.
    px_per_sec: f64,
}

const SECOND_MS: i64 = 1_000;
const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 86_400_000;

/// An axis shows at least this many bucket widths, so a file of one or a few buckets gets a
/// bar or a dot in the middle rather than one block across the whole chart.
const MIN_AXIS_BUCKETS: f64 = 8.0;
/// At most this many ticks, however wide the chart.
const MAX_TICKS: usize = 8;
/// Width of a label character (11 px sans-serif; digits are about 0.55 em) and the least
/// space between two labels, CSS px.
const LABEL_CHAR_CSS: f64 = 6.5;
const LABEL_GAP_CSS: f64 = 14.0;

/// Tick spacings, ms; longer ones double the last.
const TICK_STEPS_MS: [i64; 25] = [
    SECOND_MS,
    2 * SECOND_MS,
    5 * SECOND_MS,
    10 * SECOND_MS,
    15 * SECOND_MS,
    30 * SECOND_MS,
    MINUTE_MS,
    2 * MINUTE_MS,
    5 * MINUTE_MS,
    10 * MINUTE_MS,
    15 * MINUTE_MS,
    30 * MINUTE_MS,
    60 * MINUTE_MS,
    120 * MINUTE_MS,
    180 * MINUTE_MS,
    360 * MINUTE_MS,
    720 * MINUTE_MS,
    DAY_MS,
    2 * DAY_MS,
    7 * DAY_MS,
    14 * DAY_MS,
    28 * DAY_MS,
    91 * DAY_MS,
    182 * DAY_MS,
    364 * DAY_MS,
];

/// How tick labels read, from the tick spacing and the bucket width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TickStyle {
    /// "16:00:05"; the date before the first tick and the first of each day.
    Seconds,
    /// "16:05"; the date before the first tick and the first of each day, alone at midnight.
    Minutes,
    /// "Nov 9".
    Days,
    /// "Nov 9 2026", for ticks weeks apart.
    DaysWithYear,
}

impl TickStyle {
    fn of(step_ms: i64, bucket_ms: i64) -> TickStyle {
        if step_ms < MINUTE_MS || bucket_ms < MINUTE_MS {
            TickStyle::Seconds
        } else if step_ms < DAY_MS {
            TickStyle::Minutes
        } else if step_ms < 28 * DAY_MS {
            TickStyle::Days
        } else {
            TickStyle::DaysWithYear
        }
    }
}

/// Labels for ticks at `ticks` (ms since the epoch on the display zone's clock, ascending).
fn tick_labels(ticks: &[i64], style: TickStyle) -> Vec<String> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let mut prev_day = None;
    ticks
        .iter()
        .map(|&ms| {
            let day = ms.div_euclid(DAY_MS);
            let secs = ms.rem_euclid(DAY_MS) / 1000;
            let new_day = prev_day != Some(day);
            prev_day = Some(day);
            let (y, m, d) = civil_from_days(day);
            let date = format!("{} {d}", MONTHS[(m as usize + 11) % 12]);
            let (h, min, sec) = (secs / 3600, secs / 60 % 60, secs % 60);
            match style {
                TickStyle::Seconds if new_day => format!("{date} {h:02}:{min:02}:{sec:02}"),
                TickStyle::Seconds => format!("{h:02}:{min:02}:{sec:02}"),
                TickStyle::Minutes if new_day && secs == 0 => date,
                TickStyle::Minutes if new_day => format!("{date} {h:02}:{min:02}"),
                TickStyle::Minutes => format!("{h:02}:{min:02}"),
                TickStyle::Days => date,
                TickStyle::DaysWithYear => format!("{date} {y}"),
            }
        })
        .collect()
}

/// Where a time chart's plotting area sits in its drawing area, CSS px: the plot's width,
/// and the room left and right of it that a tick label may reach into.
#[derive(Debug, Clone, Copy)]
struct PlotBox {
    width: f64,
    left: f64,
    right: f64,
}

impl PlotBox {
    /// A chart `width_css` wide with `margin` around it and `y_area` for the y labels.
    fn new(width_css: f64, margin: f64, y_area: f64) -> PlotBox {
        PlotBox {
            width: (width_css - 2.0 * margin - y_area).max(1.0),
            // The y labels sit higher, level with their grid lines.
            left: margin + y_area - 4.0,
            right: margin,
        }
    }
}

impl TimeAxis {
    fn new(s: &Series, plot: PlotBox) -> Option<TimeAxis> {
        let bucket_ms = s.bucket_secs.max(1) * SECOND_MS;
        let first = *s.start_ms.first()?;
        let last = *s.start_ms.last()? + bucket_ms as f64;
        let buckets = (last - first) / bucket_ms as f64;
        let pad = (MIN_AXIS_BUCKETS - buckets).max(0.0) * bucket_ms as f64 / 2.0;
        let (lo, hi) = (first - pad, last + pad);
        let px_per_ms = plot.width / (hi - lo);
        let steps = TICK_STEPS_MS
            .iter()
            .copied()
            .chain((1..20).map(|k| (364 * DAY_MS) << k))
            .filter(|&step| step >= bucket_ms);
        let width = |label: &str| label.chars().count() as f64 * LABEL_CHAR_CSS;
        let at = |t: i64| (t as f64 - lo) * px_per_ms;
        // Ticks fall on round times of the display zone's clock (its offset at the first
        // bucket), and each label reads that clock at its own instant (the offset of the
        // bucket it falls in), so a DST change inside the range is labelled right.
        let off0 = s.offset_ms.first().copied().unwrap_or(0.0) as i64;
        let local = |times: &[i64]| -> Vec<i64> {
            times
                .iter()
                .map(|&t| {
                    let k = s
                        .start_ms
                        .partition_point(|&b| b <= t as f64)
                        .saturating_sub(1);
                    t + s.offset_ms.get(k).copied().unwrap_or(off0 as f64) as i64
                })
                .collect()
        };
        let mut ticks = Vec::new();
        for step in steps {
            let style = TickStyle::of(step, bucket_ms);
            // Weeks (and longer) start on Monday; the epoch was a Thursday.
            let shift = if step % (7 * DAY_MS) == 0 {
                4 * DAY_MS
            } else {
                0
            };
            let lo_ms = lo.ceil() as i64;
            let mut start = (lo_ms + off0 - shift).div_euclid(step) * step + shift - off0;
            if start < lo_ms {
                start += step;
            }
            let mut times: Vec<i64> = (0..)
                .map(|k| start + k * step)
                .take_while(|&t| (t as f64) <= hi)
                .take(MAX_TICKS + 1)
                .collect();
            if times.len() > MAX_TICKS {
                continue;
            }
            // No label may run off the chart: the first (which carries the date) into the
            // y labels' margin, the last past the right edge.
            let mut labels = tick_labels(&local(&times), style);
            while times.len() > 1 {
                let n = times.len();
                if at(times[0]) < width(&labels[0]) / 2.0 - plot.left {
                    times.remove(0);
                } else if at(times[n - 1]) + width(&labels[n - 1]) / 2.0 > plot.width + plot.right {
                    times.pop();
                } else {
                    break;
                }
                labels = tick_labels(&local(&times), style);
            }
            let room = step as f64 * px_per_ms;
            let fits = labels
                .windows(2)
                .all(|w| (width(&w[0]) + width(&w[1])) / 2.0 + LABEL_GAP_CSS <= room);
            if fits {
                ticks = times
                    .iter()
                    .zip(labels)
                    .map(|(&t, l)| ((t as f64 - lo) / 1000.0, l))
                    .collect();
                break;
            }
        }
        Some(TimeAxis {
            origin_ms: lo,
            end: (hi - lo) / 1000.0,
            ticks,
            px_per_sec: px_per_ms * 1000.0,
        })
    }

    /// The x coordinate: the axis range with our ticks.
    fn coord(&self) -> Ticked {
        Ticked {
            inner: (0.0..self.end).into(),
            ticks: self.ticks.iter().map(|t| t.0).collect(),
        }
    }

    fn x(&self, ms: f64) -> f64 {
        (ms - self.origin_ms) / 1000.0
    }

    /// The label of the tick at `x`.
    fn label(&self, x: f64) -> String {
        self.ticks
            .iter()
            .find(|t| (t.0 - x).abs() <= 1e-9 * x.abs().max(1.0))
            .map(|t| t.1.clone())
            .unwrap_or_default()
    }
}

/// A linear axis ticked where we say (plotters' `WithKeyPoints` would do, but has no label
/// formatting): the time axis, and axes of counts.
struct Ticked {
    inner: RangedCoordf64,
    ticks: Vec<f64>,
}

impl Ranged for Ticked {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.inner.range()
    }
}

/// The x-axis labels the time charts draw for `series` on a canvas `width_css` CSS pixels
/// wide, left to right.
pub fn time_labels(series: &Series, width_css: f64) -> Vec<String> {
    TimeAxis::new(series, PlotBox::new(width_css, MARGIN, Y_AREA))
        .map(|a| a.ticks.into_iter().map(|t| t.1).collect())
        .unwrap_or_default()
}

/// Margin around a chart and width of the y labels of a linear one, CSS px. (The page
/// places its anomaly marks with these: keep `PLOT_INSETS` in www/charts.js equal.)
const MARGIN: f64 = 8.0;
const Y_AREA: f64 = 48.0;

/// The plotting box of a time chart on `root`.
fn plot_box<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    theme: &Theme,
    y_area: f64,
) -> PlotBox {
    PlotBox::new(f64::from(root.dim_in_pixel().0) / theme.dpr, MARGIN, y_area)
}

/// A chart over time with y axis `Y`.
type TimeChart<'a, DB, Y> = ChartContext<'a, DB, Cartesian2d<Ticked, Y>>;

/// The frame every time chart shares: margins, the time axis with its labels, a y axis
/// `y` labelled by `y_label` with horizontal grid lines, and the theme's text and lines.
fn time_chart<'a, DB, Y>(
    root: &'a DrawingArea<DB, Shift>,
    theme: &Theme,
    axis: &TimeAxis,
    y_area: f64,
    y: Y,
    y_label: &dyn Fn(&f64) -> String,
) -> Result<TimeChart<'a, DB, Y::CoordDescType>, DrawingAreaErrorKind<DB::ErrorType>>
where
    DB: DrawingBackend,
    Y: AsRangedCoord<Value = f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    let mut chart = ChartBuilder::on(root)
        .margin(theme.px(MARGIN))
        .x_label_area_size(theme.px(24.0))
        .y_label_area_size(theme.px(y_area))
        .build_cartesian_2d(axis.coord(), y)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(6)
        .y_labels(5)
        .x_label_formatter(&|x| axis.label(*x))
        .y_label_formatter(y_label)
        .label_style(theme.font(11.0))
        .axis_style(theme.grid)
        .bold_line_style(theme.grid)
        .light_line_style(TRANSPARENT)
        .draw()?;
    Ok(chart)
}

/// Filled circles marking points that no line reaches: a lone bucket between gaps.
fn dots<DB: DrawingBackend, X: Ranged<ValueType = f64>, Y: Ranged<ValueType = f64>>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<X, Y>>,
    points: impl IntoIterator<Item = (f64, f64)>,
    color: RGBColor,
    theme: &Theme,
) -> DrawResult<DB> {
    let r = theme.px(2.5).max(2);
    chart.draw_series(
        points
            .into_iter()
            .map(|p| Circle::new(p, r, color.filled())),
    )?;
    Ok(())
}

/// A line through the buckets' values (`(x, y)`, `None` where a bucket has none), each run
/// of buckets with a value its own line so gaps stay gaps, and a run of one bucket (a line
/// of no length) drawn as a dot.
fn gapped_line<DB: DrawingBackend, X: Ranged<ValueType = f64>, Y: Ranged<ValueType = f64>>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<X, Y>>,
    points: impl IntoIterator<Item = Option<(f64, f64)>>,
    color: RGBColor,
    theme: &Theme,
) -> DrawResult<DB> {
    let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    for p in points {
        match p {
            Some(p) => runs.last_mut().map_or((), |r| r.push(p)),
            None if runs.last().is_some_and(|r| !r.is_empty()) => runs.push(Vec::new()),
            None => {}
        }
    }
    let (lines, lone): (Vec<_>, Vec<_>) = runs.into_iter().partition(|r| r.len() > 1);
    for run in lines {
        chart.draw_series(LineSeries::new(run, theme.line(color, 1.5)))?;
    }
    dots(chart, lone.into_iter().flatten(), color, theme)
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
    } else if a >= 10.0 || v.fract() == 0.0 {
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

/// The highest value of a chart stays below this fraction of its height, clear of the legend
/// drawn across the top of the plot.
const LEGEND_CLEAR: f64 = 0.85;

/// A y axis of counts from 0 to above `max` (clear of the legend), ticked on whole numbers
/// 1, 2 or 5 × 10ⁿ apart, at most five above zero: never "0.50 requests".
fn count_axis(max: f64) -> Ticked {
    let top = if max.is_finite() && max > 0.0 {
        max / LEGEND_CLEAR
    } else {
        1.0
    };
    let step = (0..)
        .flat_map(|k| [1.0, 2.0, 5.0].map(|m| m * 10f64.powi(k)))
        .find(|step| top / step <= 5.0 || !step.is_finite())
        .unwrap_or(1.0);
    Ticked {
        inner: (0.0..top).into(),
        ticks: (0..)
            .map(|k| f64::from(k) * step)
            .take_while(|t| *t <= top)
            .collect(),
    }
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

    /// 2025-11-18 00:00 UTC.
    const NOV_18: f64 = 1_763_424_000_000.0;

    fn hourly(n: usize, bucket_secs: i64, first: f64) -> Series {
        Series {
            bucket_secs,
            start_ms: (0..n)
                .map(|k| first + (k as i64 * bucket_secs * 1000) as f64)
                .collect(),
            ..Series::default()
        }
    }

    #[test]
    fn tick_label_styles() {
        let ms = |d: i64, h: i64, m: i64, s: i64| {
            NOV_18 as i64 + d * DAY_MS + h * 3_600_000 + m * 60_000 + s * 1000
        };
        assert_eq!(
            tick_labels(
                &[ms(0, 23, 59, 50), ms(0, 23, 59, 55), ms(1, 0, 0, 0)],
                TickStyle::Seconds
            ),
            ["Nov 18 23:59:50", "23:59:55", "Nov 19 00:00:00"]
        );
        assert_eq!(
            tick_labels(
                &[ms(0, 18, 0, 0), ms(1, 0, 0, 0), ms(1, 6, 0, 0)],
                TickStyle::Minutes
            ),
            ["Nov 18 18:00", "Nov 19", "06:00"]
        );
        assert_eq!(
            tick_labels(&[ms(0, 0, 0, 0), ms(2, 0, 0, 0)], TickStyle::Days),
            ["Nov 18", "Nov 20"]
        );
        assert_eq!(
            tick_labels(&[ms(0, 0, 0, 0)], TickStyle::DaysWithYear),
            ["Nov 18 2025"]
        );
    }

    fn labels(s: &Series, width: f64) -> Vec<String> {
        let axis = TimeAxis::new(s, PlotBox::new(width, MARGIN, Y_AREA)).expect("has buckets");
        // Every tick is inside the axis, and finds its label back.
        for (x, l) in &axis.ticks {
            assert!((0.0..=axis.end).contains(x), "{x} outside 0..{}", axis.end);
            assert_eq!(&axis.label(*x), l);
        }
        axis.ticks.into_iter().map(|t| t.1).collect()
    }

    #[test]
    fn two_weeks_of_hours_are_labelled_by_day() {
        let s = hourly(336, 3600, NOV_18);
        assert_eq!(
            labels(&s, 900.0),
            ["Nov 18", "Nov 20", "Nov 22", "Nov 24", "Nov 26", "Nov 28", "Nov 30"]
        );
    }

    #[test]
    fn a_day_of_hours_shows_times_and_the_date_once() {
        let s = hourly(24, 3600, NOV_18 + 3_600_000.0);
        assert_eq!(
            labels(&s, 900.0),
            [
                "Nov 18 03:00",
                "06:00",
                "09:00",
                "12:00",
                "15:00",
                "18:00",
                "21:00",
                "Nov 19"
            ]
        );
    }

    #[test]
    fn labels_read_the_display_zones_clock() {
        // The same day as above, in New York (UTC−5 in November): ticks on local 3-hour
        // marks, labelled in local time.
        let mut s = hourly(24, 3600, NOV_18 + 6.0 * 3_600_000.0);
        s.offset_ms = vec![-5.0 * 3_600_000.0; 24];
        assert_eq!(
            labels(&s, 900.0),
            [
                "Nov 18 03:00",
                "06:00",
                "09:00",
                "12:00",
                "15:00",
                "18:00",
                "21:00",
                "Nov 19"
            ]
        );
        // India is UTC+5:30: local hours start at :30 UTC, and the ticks follow them.
        let mut s = hourly(24, 3600, NOV_18 - 5.5 * 3_600_000.0 + 3_600_000.0);
        s.offset_ms = vec![5.5 * 3_600_000.0; 24];
        assert_eq!(labels(&s, 900.0)[..2], ["Nov 18 03:00", "06:00"]);
    }

    #[test]
    fn one_bucket_sits_in_the_middle_of_a_wider_axis() {
        let s = hourly(1, 1, NOV_18 + 16.0 * 3_600_000.0);
        let axis = TimeAxis::new(&s, PlotBox::new(600.0, MARGIN, Y_AREA)).expect("one bucket");
        assert_eq!(axis.end, MIN_AXIS_BUCKETS);
        assert_eq!(axis.x(s.start_ms[0]), 3.5);
        let l = labels(&s, 600.0);
        assert!(l.len() >= 2, "{l:?}");
        assert!(l.contains(&"16:00:00".to_string()), "{l:?}");
    }

    #[test]
    fn labels_are_distinct_fit_and_say_seconds_under_a_minute() {
        let day = 86_400;
        for (bucket, n) in [
            (1, 1),
            (1, 2),
            (1, 17),
            (5, 30),
            (10, 27),
            (30, 30),
            (60, 15),
            (60, 400),
            (300, 300),
            (900, 380),
            (3600, 7),
            (3600, 336),
            (10_800, 300),
            (43_200, 400),
            (day, 400),
            (7 * day, 1),
            (7 * day, 400),
        ] {
            for width in [320.0, 600.0, 900.0, 1600.0] {
                let s = hourly(n, bucket, NOV_18 + 3_600_000.0 * 7.0);
                let l = labels(&s, width);
                assert!(!l.is_empty(), "{bucket} s × {n} at {width} px: no label");
                assert!(l.len() <= MAX_TICKS);
                for pair in l.windows(2) {
                    assert_ne!(pair[0], pair[1], "{bucket} s × {n} at {width} px: {l:?}");
                }
                let plot = PlotBox::new(width, MARGIN, Y_AREA).width;
                let chars: usize = l.iter().map(|l| l.len()).sum();
                assert!(
                    chars as f64 * LABEL_CHAR_CSS + (l.len() - 1) as f64 * LABEL_GAP_CSS
                        <= plot + 60.0,
                    "{bucket} s × {n} at {width} px: {l:?} do not fit"
                );
                if bucket < 60 {
                    assert!(
                        l.iter().all(|l| l.matches(':').count() == 2),
                        "{bucket} s × {n}: {l:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn counts_are_ticked_on_whole_numbers() {
        let ticks = |max: f64| count_axis(max).ticks;
        assert_eq!(ticks(1.0), [0.0, 1.0]);
        assert_eq!(ticks(2.0), [0.0, 1.0, 2.0]);
        assert_eq!(ticks(4.0), [0.0, 1.0, 2.0, 3.0, 4.0]);
        assert_eq!(ticks(7.0), [0.0, 2.0, 4.0, 6.0, 8.0]);
        assert_eq!(ticks(6_400.0), [0.0, 2e3, 4e3, 6e3]);
        assert_eq!(ticks(0.0), [0.0, 1.0]);
    }

    #[test]
    fn compact_numbers() {
        assert_eq!(compact(950.0), "950");
        assert_eq!(compact(1_234.0), "1.2k");
        assert_eq!(compact(3_400_000.0), "3.4M");
        assert_eq!(compact(0.25), "0.25");
        assert_eq!(compact(2.0), "2");
        assert_eq!(compact(2.5), "2.50");
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
