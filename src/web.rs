//! The only wasm-bindgen boundary: one opaque `Engine` handle (ingest and queries, used in
//! the Web Worker), and `draw_chart` and `redact_text` (used on the page thread). Options
//! come in as plain JS objects, results go out as small plain objects; records never cross.

use std::cell::RefCell;

use plotters::prelude::IntoDrawingArea;
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
};
use plotters_canvas::CanvasBackend;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

use crate::alerts::Rules;
use crate::calendar::Zone;
use crate::charts::{self, ChartData, Theme, CHART_NAMES};
use crate::ingest::fields;
use crate::ingest::record::MapOptions;
use crate::ingest::sniff::Format;
use crate::metrics::cost::apply_prices;
use crate::pricing::PriceTable;
use crate::{
    dashboard_prepared, redact, requests, ImportReport, Ingest, Prepared, RequestOrder, Table, View,
};

thread_local! {
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Runs when the module is instantiated: panics are logged and remembered, so the page can
/// show the message instead of only "unreachable".
#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        let msg = info.to_string();
        LAST_PANIC.with(|p| *p.borrow_mut() = Some(msg));
        console_error_panic_hook::hook(info);
    }));
}

/// The message of the last Rust panic, if there was one.
#[wasm_bindgen]
pub fn last_panic() -> Option<String> {
    LAST_PANIC.with(|p| p.borrow().clone())
}

/// Panics on purpose: the browser tests check that a panic becomes a message on the page.
#[wasm_bindgen]
pub fn trigger_panic_for_test() {
    panic!("deliberate panic (trigger_panic_for_test)");
}

/// The names of the charts `draw_chart` knows.
#[wasm_bindgen]
pub fn chart_names() -> Vec<String> {
    CHART_NAMES.iter().map(|s| s.to_string()).collect()
}

/// `text` with emails, phone numbers, card numbers, API keys and secrets, and IP
/// addresses replaced by `[email]`, `[phone]`, … (drill-down masks with this, in the tab).
#[wasm_bindgen]
pub fn redact_text(text: &str) -> String {
    redact(text).into_owned()
}

/// A streaming gzip decompressor for drill-down into gzip files of several members, which
/// the browser's `DecompressionStream` stops at the end of the first of. It is the ingest's
/// decoder (flate2's `MultiGzDecoder`), so its output has the same byte offsets as the
/// records' spans.
#[wasm_bindgen]
pub struct Gunzip {
    gz: flate2::write::MultiGzDecoder<Vec<u8>>,
}

impl Default for Gunzip {
    fn default() -> Self {
        Self::new()
    }
}

#[wasm_bindgen]
impl Gunzip {
    /// A decompressor at the start of a gzip file.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Gunzip {
        Gunzip {
            gz: flate2::write::MultiGzDecoder::new(Vec::new()),
        }
    }

    /// Decompresses the next chunk of the file: the bytes it gives (maybe none yet).
    pub fn push(&mut self, chunk: &[u8]) -> Result<Vec<u8>, JsError> {
        use std::io::Write;
        self.gz
            .write_all(chunk)
            .and_then(|()| self.gz.flush())
            .map_err(|e| JsError::new(&format!("the gzip data is damaged: {e}")))?;
        Ok(std::mem::take(self.gz.get_mut()))
    }
}

/// The length of a Parquet file's footer, from the file's last 8 bytes: drill-down into a
/// Parquet file reads the footer next, then one row group ([`parquet_locate`]).
#[cfg(feature = "columnar")]
#[wasm_bindgen]
pub fn parquet_footer_len(tail: &[u8]) -> Result<f64, JsError> {
    crate::ingest::columnar::parquet_footer_len(tail)
        .map(|n| n as f64)
        .map_err(|e| JsError::new(&e))
}

/// Where row `row` (a record's `span_offset`) of a Parquet file of `file_len` bytes lies,
/// from its footer: `{row_group, row_in_group, start, end}`, the bytes to read next.
#[cfg(feature = "columnar")]
#[wasm_bindgen]
pub fn parquet_locate(footer: &[u8], file_len: f64, row: f64) -> Result<JsValue, JsError> {
    let at = crate::ingest::columnar::parquet_locate(footer, file_len as u64, row as u64)
        .map_err(|e| JsError::new(&e))?;
    to_js(&at)
}

/// The row `at` (from `parquet_locate`) of a Parquet file as the text of a JSON object in
/// column order, from its footer and `group`, the file's bytes `at.start..at.end`.
#[cfg(feature = "columnar")]
#[wasm_bindgen]
pub fn parquet_record(
    footer: &[u8],
    file_len: f64,
    at: JsValue,
    group: Vec<u8>,
) -> Result<String, JsError> {
    let at: crate::ingest::columnar::ParquetRow =
        serde_wasm_bindgen::from_value(at).map_err(|e| JsError::new(&e.to_string()))?;
    crate::ingest::columnar::parquet_record(footer, file_len as u64, &at, group)
        .map_err(|e| JsError::new(&e))
}

/// The length of an Arrow IPC file's footer, from the file's last 10 bytes: drill-down
/// into an IPC file reads the footer (its schema) next, then the record's batch message.
#[cfg(feature = "columnar")]
#[wasm_bindgen]
pub fn arrow_footer_len(tail: &[u8]) -> Result<f64, JsError> {
    crate::ingest::columnar::arrow_footer_len(tail)
        .map(|n| n as f64)
        .map_err(|e| JsError::new(&e))
}

/// The length of the IPC message at the front of `bytes` (prefix, metadata and body), or -1
/// until `bytes` holds its prefix and metadata.
#[cfg(feature = "columnar")]
#[wasm_bindgen]
pub fn arrow_message_len(bytes: &[u8]) -> Result<f64, JsError> {
    crate::ingest::columnar::arrow_message_len(bytes)
        .map(|n| n.map_or(-1.0, |n| n as f64))
        .map_err(|e| JsError::new(&e))
}

/// Row `row` (a record's `span_len`) of the record batch `message` (the whole IPC message
/// at its `span_offset`) as the text of a JSON object in column order. `schema_from`: the
/// footer of an IPC file (`file`), or a stream's first message.
#[cfg(feature = "columnar")]
#[wasm_bindgen]
pub fn arrow_record(
    schema_from: &[u8],
    file: bool,
    message: &[u8],
    row: f64,
) -> Result<String, JsError> {
    crate::ingest::columnar::arrow_record(schema_from, file, message, row as u64)
        .map_err(|e| JsError::new(&e))
}

fn to_js<T: Serialize>(v: &T) -> Result<JsValue, JsError> {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&e.to_string()))
}

/// A JS options object as `T`; `undefined` or `null` give the defaults.
fn from_js_or_default<T: serde::de::DeserializeOwned + Default>(v: JsValue) -> Result<T, JsError> {
    if v.is_undefined() || v.is_null() {
        return Ok(T::default());
    }
    serde_wasm_bindgen::from_value(v).map_err(|e| JsError::new(&e.to_string()))
}

/// Progress of an import.
#[derive(Serialize)]
struct Progress {
    bytes: u64,
    records: u64,
    skipped_lines: u64,
}

/// How to read the next import, from the page's mapping dialog (all optional).
#[derive(Deserialize, Default)]
#[serde(default)]
struct ImportOptions {
    /// An export name that overrides detection (`langfuse`, …).
    format: Option<String>,
    /// `canonical=source` pairs.
    map: Vec<String>,
    /// `s`, `ms`, `us` or `ns`.
    ts_unit: Option<String>,
    /// ISO 8601 start of relative timestamps.
    start: Option<String>,
    /// The model of records that name none.
    model: Option<String>,
}

/// Runs small generated imports (JSON Lines and CSV) through the engine's hot paths and
/// throws them away: a file read in two parts (the second as a helper worker reads it), the
/// finish, and a dashboard for everything, a model and a day. Why: V8 first runs each wasm function in baseline
/// code and optimises it only once it has run for a while; a function called once with a
/// long loop (the finish's sort, the cube's pass) stays in baseline code for that whole
/// call. The worker calls this once it has started, so a person's first file does not pay
/// for it.
#[wasm_bindgen]
pub fn warm_up(records: u32) {
    crate::generate::warm_up(records);
}

/// The format a file's first bytes show (`jsonl`, `csv`, `gzip`, …), or "" when they do not
/// tell yet or show none; `whole`: `head` is the whole file.
#[wasm_bindgen]
pub fn sniff_format(head: &[u8], whole: bool, name: &str) -> String {
    match crate::ingest::sniff::sniff(head, whole, name) {
        crate::ingest::sniff::Sniffed::Known(f) => f.name().to_string(),
        _ => String::new(),
    }
}

/// Where to cut a file in `format` (as [`sniff_format`] says) for a part: the offset in
/// `window` (its bytes from one before the wanted position on, about 1 MB) of a line start
/// (for CSV, one that looks like a record's start); -1 when `window` has no line start.
/// `head`: the file's first bytes.
#[wasm_bindgen]
pub fn part_start(format: &str, head: &[u8], window: &[u8]) -> f64 {
    Format::from_name(format)
        .and_then(|f| crate::ingest::part_start(f, head, window))
        .map_or(-1.0, |i| i as f64)
}

/// Loaded records and the import in progress.
#[wasm_bindgen]
pub struct Engine {
    ingest: Option<Ingest>,
    opts: MapOptions,
    /// The built-in prices with the user's overrides, if any.
    prices: Option<PriceTable>,
    /// Alert rules and budgets (the default rules until `set_rules`).
    rules: Rules,
    table: Table,
    /// What every view of `table` needs, built once when it is loaded.
    prepared: Prepared,
    report: ImportReport,
}

impl Default for Engine {
    fn default() -> Self {
        Self::new()
    }
}

#[wasm_bindgen]
impl Engine {
    /// An engine with nothing loaded.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Engine {
        Engine {
            ingest: None,
            opts: MapOptions::default(),
            prices: None,
            rules: Rules::default_rules(),
            table: Table::default(),
            prepared: Prepared::default(),
            report: ImportReport::default(),
        }
    }

    /// How the next import maps fields: `{format, map: ["latency_ms=duration"], ts_unit,
    /// start, model}` (from the mapping dialog); `undefined` for detection alone. Throws
    /// with the reason when an option is wrong.
    pub fn set_options(&mut self, opts: JsValue) -> Result<(), JsError> {
        let o: ImportOptions = from_js_or_default(opts)?;
        self.opts = MapOptions::parse(
            o.format.as_deref(),
            &o.map,
            o.ts_unit.as_deref(),
            o.start.as_deref(),
            o.model.as_deref(),
        )
        .map_err(|e| JsError::new(&e))?;
        Ok(())
    }

    /// Starts reading a file called `name` (used in error reports); several files in one
    /// import are merged.
    pub fn start_file(&mut self, name: &str) {
        let opts = &self.opts;
        self.ingest
            .get_or_insert_with(|| Ingest::with_options(opts.clone()))
            .start_file(name);
    }

    /// Says the current file is `bytes` long (with the parts helpers read): its rows get
    /// room at once instead of growing by doubling (see `Ingest::expect_bytes`).
    pub fn expect_bytes(&mut self, bytes: f64) {
        if let Some(ingest) = &mut self.ingest {
            ingest.expect_bytes(bytes as u64);
        }
    }

    /// Feeds the next chunk of the current file; chunks may split lines and characters.
    pub fn feed(&mut self, chunk: &[u8]) {
        let opts = &self.opts;
        self.ingest
            .get_or_insert_with(|| Ingest::with_options(opts.clone()))
            .feed(chunk);
    }

    /// Starts reading a part of the file `name` in `format` (`jsonl`, `csv` or `tsv`, as
    /// [`sniff_format`] says): its bytes from `offset` (a line start) on; `head`: the
    /// file's first bytes (a CSV part's header). For a worker that reads a big file beside
    /// the one reading its start; its pieces go to that one's [`Engine::append_part`].
    pub fn start_part(
        &mut self,
        name: &str,
        format: &str,
        head: &[u8],
        offset: f64,
    ) -> Result<(), JsError> {
        let format = Format::from_name(format)
            .ok_or_else(|| JsError::new(&format!("unknown format {format}")))?;
        let ingest = Ingest::for_part(name, format, head, offset as u64, self.opts.clone())
            .map_err(|e| JsError::new(&e))?;
        self.ingest = Some(ingest);
        Ok(())
    }

    /// Rows of a part read so far and not yet taken.
    pub fn part_rows(&self) -> usize {
        self.ingest.as_ref().map_or(0, |i| i.rows())
    }

    /// The rows of a part read so far, as bytes for [`Engine::append_part`]; reading goes on.
    pub fn take_part_rows(&mut self) -> Result<Vec<u8>, JsError> {
        let ingest = self
            .ingest
            .as_mut()
            .ok_or_else(|| JsError::new("no part is being read"))?;
        Ok(ingest.take_rows())
    }

    /// Whether the part's bytes fed so far end at a record's start: a part that does not,
    /// and is not the file's last, must be read by the worker reading the bytes before it.
    pub fn part_at_record_start(&self) -> bool {
        self.ingest.as_ref().is_some_and(|i| i.at_record_start())
    }

    /// Ends a part begun by [`Engine::start_part`]: its last rows and its report as bytes.
    pub fn finish_part(&mut self) -> Result<Vec<u8>, JsError> {
        let ingest = self
            .ingest
            .take()
            .ok_or_else(|| JsError::new("no part was read"))?;
        Ok(ingest.finish_part())
    }

    /// Appends a piece of a part of the current file that another worker read (its
    /// [`Engine::take_part_rows`] and [`Engine::finish_part`] bytes, in order), as if its
    /// bytes had been fed here: the bytes fed so far must end where that part starts. Throws,
    /// having appended nothing, when they end inside a record (a CSV file cut inside a
    /// quoted field): the part's bytes must then be fed here.
    pub fn append_part(&mut self, bytes: Vec<u8>) -> Result<(), JsError> {
        let ingest = self
            .ingest
            .as_mut()
            .ok_or_else(|| JsError::new("no file is being read"))?;
        ingest.append_part(bytes).map_err(|e| JsError::new(&e))
    }

    /// {bytes, records, skipped_lines} so far.
    pub fn progress(&self) -> Result<JsValue, JsError> {
        let r = self.ingest.as_ref().map_or(&self.report, |i| i.report());
        to_js(&Progress {
            bytes: r.bytes,
            records: r.records,
            skipped_lines: r.skipped_lines,
        })
    }

    /// What the import so far needs that this build lacks: `"columnar"` once one of its
    /// files is Parquet or Arrow and this build has no reader for them (the page's lean
    /// engine: the worker then reads the import again with the full one), else empty.
    pub fn needs(&self) -> String {
        let r = self.ingest.as_ref().map_or(&self.report, |i| i.report());
        r.files
            .iter()
            .find(|f| !f.needs.is_empty())
            .map(|f| f.needs.clone())
            .unwrap_or_default()
    }

    /// Ends the import; returns its report. The loaded table replaces the previous one.
    pub fn finish(&mut self) -> Result<JsValue, JsError> {
        if let Some(ingest) = self.ingest.take() {
            let (mut table, report) = ingest.finish();
            if let Some(prices) = &self.prices {
                apply_prices(&mut table, prices);
            }
            self.prepared = Prepared::of(&table);
            self.table = table;
            self.report = report;
        }
        to_js(&self.report)
    }

    /// Every panel for a view `{models: [...], applications: [...]}`, as JSON text (the
    /// same as `tokenlens dashboard` writes). Text rather than a JS object: one string
    /// crosses to the page instead of thousands of small objects built one property at a
    /// time, copied to the page and read back for each chart.
    pub fn dashboard_json(&self, view: JsValue) -> Result<String, JsError> {
        let view: View = from_js_or_default(view)?;
        let d =
            dashboard_prepared(&self.table, &self.prepared, &view).map_err(|e| JsError::new(&e))?;
        serde_json::to_string(&d).map_err(|e| JsError::new(&e.to_string()))
    }

    /// Anomaly flags of a view: `[{metric, group, bucket_start, bucket_ms, value,
    /// baseline, score, reason}]` (separate from `dashboard`: it looks at every group).
    pub fn anomalies(&self, view: JsValue) -> Result<JsValue, JsError> {
        let view: View = from_js_or_default(view)?;
        to_js(&crate::metrics::anomaly::anomalies(&self.table, &view))
    }

    /// Up to `limit` requests of a view for drill-down, `order` one of "slowest", "latest",
    /// "errors", "costliest"; each with the byte span of its line in the file.
    pub fn requests(&self, view: JsValue, order: &str, limit: usize) -> Result<JsValue, JsError> {
        let view: View = from_js_or_default(view)?;
        let order: RequestOrder = serde_wasm_bindgen::from_value(JsValue::from_str(order))
            .map_err(|_| JsError::new(&format!("no request order is called {order:?}")))?;
        to_js(&requests(&self.table, &view, order, limit))
    }

    /// Prices that win over the built-in table (LiteLLM-format JSON or tokenlens' price
    /// CSV; empty text: the built-in table alone); the loaded records are priced again.
    /// Throws with the reason when the text is not a price table.
    pub fn set_prices(&mut self, text: &str) -> Result<(), JsError> {
        let builtin = PriceTable::builtin();
        let prices = if text.trim().is_empty() {
            builtin.clone()
        } else {
            PriceTable::builtin_with_overrides(text).map_err(|e| JsError::new(&e.to_string()))?
        };
        apply_prices(&mut self.table, &prices);
        self.prices = Some(prices);
        // Costs changed: the prepared sums hold the old ones.
        if !self.table.is_empty() {
            self.prepared = Prepared::of(&self.table);
        }
        Ok(())
    }

    /// Each model of the loaded records with the price it gets: `[{model, provider,
    /// requests, priced_as, match_kind, input_usd_per_mtok, cached_input_usd_per_mtok,
    /// output_usd_per_mtok, as_of, tiered}]`, most requests first (the price editor).
    pub fn model_prices(&self) -> Result<JsValue, JsError> {
        let prices = self.prices.as_ref().unwrap_or(PriceTable::builtin());
        to_js(&crate::metrics::cost::model_prices(&self.table, prices))
    }

    /// Alert rules and budgets: a rules file's JSON text `{rules: [...], budgets: [...]}`
    /// (README "Alerts and budgets"); empty text: the default rules and no budgets. Throws
    /// naming the rule or budget and its field when the text is wrong.
    pub fn set_rules(&mut self, text: &str) -> Result<(), JsError> {
        self.rules = if text.trim().is_empty() {
            Rules::default_rules()
        } else {
            Rules::from_json(text).map_err(|e| JsError::new(&e.to_string()))?
        };
        Ok(())
    }

    /// The rules and budgets in use as JSON text (to show and edit).
    pub fn rules_json(&self) -> String {
        serde_json::to_string_pretty(&self.rules).unwrap_or_default()
    }

    /// Fired alerts of the rules on a view: `[{rule, metric, group, op, threshold, window,
    /// start, end, start_ms, end_ms, windows, worst, worst_start, ongoing}]`. Windows and
    /// days follow the view's time zone (`tz`, as for `dashboard`).
    pub fn alerts(&self, view: JsValue) -> Result<JsValue, JsError> {
        let view: View = from_js_or_default(view)?;
        let zone = view.zone().map_err(|e| JsError::new(&e))?;
        to_js(&crate::alerts::alerts(
            &self.table,
            &view,
            &self.rules.rules,
            &zone,
        ))
    }

    /// Each budget's status over all loaded records (a budget is about all spend, whatever
    /// the filters): `[{name, period, application, budget_usd, current, now,
    /// run_rate_usd_per_hour, projected_usd, projected_over, burn_down, periods, …}]`.
    /// Days, weeks and months follow the time zone `tz` (an IANA name; empty: UTC).
    pub fn budgets(&self, tz: &str) -> Result<JsValue, JsError> {
        let zone = Zone::named(tz).map_err(|e| JsError::new(&e))?;
        to_js(&crate::metrics::budget::budgets(
            &self.table,
            &self.rules.budgets,
            &zone,
        ))
    }

    /// The prices in use as LiteLLM-format JSON (to export and edit).
    pub fn prices_json(&self) -> String {
        self.prices
            .as_ref()
            .unwrap_or(PriceTable::builtin())
            .to_litellm_json()
    }

    /// Forgets everything (the mapping options too).
    pub fn reset(&mut self) {
        *self = Engine::new();
    }
}

#[derive(Deserialize)]
#[serde(default)]
struct DrawOptions {
    dpr: f64,
    dark: bool,
}

impl Default for DrawOptions {
    fn default() -> Self {
        DrawOptions {
            dpr: 1.0,
            dark: false,
        }
    }
}

/// Draws chart `name` of a dashboard over the canvas's current pixel size.
/// `options`: {dpr, dark}.
#[wasm_bindgen]
pub fn draw_chart(
    canvas: HtmlCanvasElement,
    name: &str,
    dashboard: JsValue,
    options: JsValue,
) -> Result<(), JsError> {
    let data: ChartData =
        serde_wasm_bindgen::from_value(dashboard).map_err(|e| JsError::new(&e.to_string()))?;
    draw_on(canvas, name, &data, options)
}

/// A dashboard's chart data, read once from the engine's JSON and drawn by each chart:
/// reading it for every chart cost about as much as drawing one.
#[wasm_bindgen]
pub struct Charts {
    data: ChartData,
}

#[wasm_bindgen]
impl Charts {
    /// The charts of a dashboard given as JSON text (`Engine.dashboard_json`) in UTF-8
    /// bytes: a string passed in is copied by wasm-bindgen's JavaScript a character at a
    /// time until the first non-ASCII one (7 ms for a 100 KB dashboard in a fresh page,
    /// where that code is not yet optimised), bytes in one copy.
    #[wasm_bindgen(constructor)]
    pub fn new(dashboard_json: &[u8]) -> Result<Charts, JsError> {
        let data =
            serde_json::from_slice(dashboard_json).map_err(|e| JsError::new(&e.to_string()))?;
        Ok(Charts { data })
    }

    /// Draws chart `name` over the canvas's current pixel size. `options`: {dpr, dark}.
    pub fn draw(
        &self,
        canvas: HtmlCanvasElement,
        name: &str,
        options: JsValue,
    ) -> Result<(), JsError> {
        draw_on(canvas, name, &self.data, options)
    }
}

fn draw_on(
    canvas: HtmlCanvasElement,
    name: &str,
    data: &ChartData,
    options: JsValue,
) -> Result<(), JsError> {
    let opts: DrawOptions = from_js_or_default(options)?;
    let no_context = || JsError::new("the canvas has no 2D context");
    let ctx = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into::<CanvasRenderingContext2d>().ok())
        .ok_or_else(no_context)?;
    let inner = CanvasBackend::with_canvas_object(canvas).ok_or_else(no_context)?;
    let root = Canvas::new(inner, ctx).into_drawing_area();
    charts::draw(&root, name, data, &Theme::new(opts.dark, opts.dpr)).map_err(|e| JsError::new(&e))
}

/// plotters' canvas backend, with text measured by the canvas itself: plotters' default
/// measures by adding a styled `<span>` to the page, which our CSP forbids (style
/// attributes) and which forces a layout per label. It also sets the context's colours,
/// line width, font and text alignment only when they change: plotters-canvas sets each
/// before every bar, line and label, and the browser parses each string again (a time
/// chart draws hundreds of bars).
struct Canvas {
    inner: CanvasBackend,
    ctx: CanvasRenderingContext2d,
    /// What the context was last given (`None`: unknown, set it).
    fill: Option<BackendColor>,
    stroke: Option<(BackendColor, u32)>,
    /// (A cell: measuring text, which only borrows the backend, sets the font too.)
    font: RefCell<Option<String>>,
    text_align: Option<(&'static str, &'static str)>,
}

/// A canvas call that failed, with the browser's message.
#[derive(Debug)]
struct CanvasFailed(String);

impl std::fmt::Display for CanvasFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "canvas error: {}", self.0)
    }
}

impl std::error::Error for CanvasFailed {}

type CanvasResult<T = ()> = Result<T, DrawingErrorKind<CanvasFailed>>;

fn js_failed(e: JsValue) -> DrawingErrorKind<CanvasFailed> {
    DrawingErrorKind::DrawingError(CanvasFailed(
        e.as_string().unwrap_or_else(|| format!("{e:?}")),
    ))
}

/// plotters-canvas's error as ours.
fn inner_failed(
    e: DrawingErrorKind<<CanvasBackend as DrawingBackend>::ErrorType>,
) -> DrawingErrorKind<CanvasFailed> {
    match e {
        DrawingErrorKind::DrawingError(e) => {
            DrawingErrorKind::DrawingError(CanvasFailed(e.to_string()))
        }
        DrawingErrorKind::FontError(e) => DrawingErrorKind::FontError(e),
    }
}

fn same_color(a: &BackendColor, b: &BackendColor) -> bool {
    a.rgb == b.rgb && a.alpha == b.alpha
}

/// A colour as the canvas takes it, the same text as plotters-canvas makes.
fn css_color(c: &BackendColor) -> String {
    let (r, g, b) = c.rgb;
    format!("rgba({},{},{},{})", r, g, b, c.alpha)
}

/// Nudges a horizontal or vertical line onto the pixel grid, as plotters-canvas does.
fn on_pixels(from: BackendCoord, to: BackendCoord) -> ((f64, f64), (f64, f64)) {
    let mut from = (f64::from(from.0), f64::from(from.1));
    let mut to = (f64::from(to.0), f64::from(to.1));
    if from.0 == to.0 {
        from.0 -= 0.5;
        to.0 -= 0.5;
    }
    if from.1 == to.1 {
        from.1 -= 0.5;
        to.1 -= 0.5;
    }
    (from, to)
}

impl Canvas {
    fn new(inner: CanvasBackend, ctx: CanvasRenderingContext2d) -> Canvas {
        Canvas {
            inner,
            ctx,
            fill: None,
            stroke: None,
            font: RefCell::new(None),
            text_align: None,
        }
    }

    fn set_fill(&mut self, c: BackendColor) {
        if !self.fill.as_ref().is_some_and(|f| same_color(f, &c)) {
            self.ctx.set_fill_style_str(&css_color(&c));
            self.fill = Some(c);
        }
    }

    fn set_stroke(&mut self, style: &impl BackendStyle) {
        let (c, w) = (style.color(), style.stroke_width());
        if !self
            .stroke
            .as_ref()
            .is_some_and(|(s, sw)| same_color(s, &c) && *sw == w)
        {
            self.ctx.set_stroke_style_str(&css_color(&c));
            self.ctx.set_line_width(f64::from(w));
            self.stroke = Some((c, w));
        }
    }

    fn set_font(&self, style: &impl BackendTextStyle) {
        // The same font string plotters-canvas draws with.
        let font = format!(
            "{} {}px {}",
            style.style().as_str(),
            style.size(),
            style.family().as_str()
        );
        let mut last = self.font.borrow_mut();
        if last.as_deref() != Some(font.as_str()) {
            self.ctx.set_font(&font);
            *last = Some(font);
        }
    }

    /// Forgets what the context was given (after plotters-canvas itself drew).
    fn forget(&mut self) {
        self.fill = None;
        self.stroke = None;
        *self.font.borrow_mut() = None;
        self.text_align = None;
    }
}

impl DrawingBackend for Canvas {
    type ErrorType = CanvasFailed;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }
    fn ensure_prepared(&mut self) -> CanvasResult {
        self.inner.ensure_prepared().map_err(inner_failed)
    }
    fn present(&mut self) -> CanvasResult {
        self.inner.present().map_err(inner_failed)
    }
    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> CanvasResult {
        if color.alpha == 0.0 {
            return Ok(());
        }
        self.set_fill(color);
        self.ctx
            .fill_rect(f64::from(point.0), f64::from(point.1), 1.0, 1.0);
        Ok(())
    }
    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> CanvasResult {
        if style.color().alpha == 0.0 {
            return Ok(());
        }
        let (from, to) = on_pixels(from, to);
        self.set_stroke(style);
        self.ctx.begin_path();
        self.ctx.move_to(from.0, from.1);
        self.ctx.line_to(to.0, to.1);
        self.ctx.stroke();
        Ok(())
    }
    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> CanvasResult {
        if style.color().alpha == 0.0 {
            return Ok(());
        }
        let (x, y) = (f64::from(upper_left.0), f64::from(upper_left.1));
        let w = f64::from(bottom_right.0 - upper_left.0);
        let h = f64::from(bottom_right.1 - upper_left.1);
        if fill {
            self.set_fill(style.color());
            self.ctx.fill_rect(x, y, w, h);
        } else {
            self.set_stroke(style);
            self.ctx.stroke_rect(x, y, w, h);
        }
        Ok(())
    }
    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> CanvasResult {
        if style.color().alpha == 0.0 {
            return Ok(());
        }
        let mut path = path.into_iter();
        self.ctx.begin_path();
        if let Some(start) = path.next() {
            self.set_stroke(style);
            self.ctx.move_to(f64::from(start.0), f64::from(start.1));
            for next in path {
                self.ctx.line_to(f64::from(next.0), f64::from(next.1));
            }
        }
        self.ctx.stroke();
        Ok(())
    }
    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> CanvasResult {
        let r = self.inner.draw_circle(center, radius, style, fill);
        self.forget();
        r.map_err(inner_failed)
    }
    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> CanvasResult {
        if style.color().alpha == 0.0 {
            return Ok(());
        }
        let mut path = vert.into_iter();
        self.ctx.begin_path();
        if let Some(start) = path.next() {
            self.set_fill(style.color());
            self.ctx.move_to(f64::from(start.0), f64::from(start.1));
            for next in path {
                self.ctx.line_to(f64::from(next.0), f64::from(next.1));
            }
            self.ctx.close_path();
        }
        self.ctx.fill();
        Ok(())
    }
    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> CanvasResult {
        use plotters_backend::text_anchor::{HPos, VPos};
        use plotters_backend::FontTransform;
        // As plotters-canvas draws text, without setting what is set already.
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let degree = match style.transform() {
            FontTransform::None => 0.0,
            FontTransform::Rotate90 => 90.0,
            FontTransform::Rotate180 => 180.0,
            FontTransform::Rotate270 => 270.0,
        };
        let (mut x, mut y) = (f64::from(pos.0), f64::from(pos.1));
        if degree != 0.0 {
            // save/restore below put back what the context held before: the state noted
            // here is kept for after it.
            self.ctx.save();
            self.ctx.translate(x, y).map_err(js_failed)?;
            self.ctx
                .rotate(degree / 180.0 * std::f64::consts::PI)
                .map_err(js_failed)?;
            (x, y) = (0.0, 0.0);
        }
        let saved = (self.fill, self.font.borrow().clone(), self.text_align);
        let baseline = match style.anchor().v_pos {
            VPos::Top => "top",
            VPos::Center => "middle",
            VPos::Bottom => "bottom",
        };
        let align = match style.anchor().h_pos {
            HPos::Left => "start",
            HPos::Right => "end",
            HPos::Center => "center",
        };
        if self.text_align != Some((baseline, align)) {
            self.ctx.set_text_baseline(baseline);
            self.ctx.set_text_align(align);
            self.text_align = Some((baseline, align));
        }
        self.set_fill(color);
        self.set_font(style);
        let drawn = self.ctx.fill_text(text, x, y);
        if degree != 0.0 {
            self.ctx.restore();
            (self.fill, *self.font.borrow_mut(), self.text_align) = saved;
        }
        drawn.map_err(js_failed)
    }
    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> CanvasResult<(u32, u32)> {
        self.set_font(style);
        let width = self
            .ctx
            .measure_text(text)
            .map(|m| m.width())
            .unwrap_or(style.size() * 0.6 * text.chars().count() as f64);
        Ok((width.ceil() as u32, style.size().ceil() as u32))
    }
}

/// What the mapping dialog offers: `{columns: [canonical names], profiles: [{name, title}]}`.
#[wasm_bindgen]
pub fn mapping_choices() -> Result<JsValue, JsError> {
    #[derive(Serialize)]
    struct Choices {
        columns: &'static [&'static str],
        profiles: Vec<(&'static str, &'static str)>,
    }
    to_js(&Choices {
        columns: fields::MAPPABLE,
        profiles: fields::PROFILES.iter().map(|p| (p.name, p.title)).collect(),
    })
}
