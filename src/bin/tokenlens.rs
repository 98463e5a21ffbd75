//! The `tokenlens` command line: the browser's engine, natively.

use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tokenlens::calendar::Zone;
use tokenlens::generate::{generate, generate_csv, GenOptions};
use tokenlens::ingest::record::MapOptions;
use tokenlens::ingest::sniff::{self, Format, Sniffed};
use tokenlens::ingest::{self, fields, Part};
use tokenlens::metrics::budget::{number_text, usd_text, BudgetPeriod};
use tokenlens::metrics::cost::apply_prices;
use tokenlens::pricing::PriceTable;
use tokenlens::{
    alerts, budgets, Alert, BudgetStatus, ImportReport, Ingest, Rules, SummaryReport, Table,
    TableBuilder, View,
};

#[derive(Parser)]
#[command(
    name = "tokenlens",
    version,
    about = "LLM request logs in, latency / cost / error figures out"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Headline figures (requests, errors, latency percentiles, tokens, cost) of log files.
    Summary {
        /// Log files (JSONL, JSON, CSV, TSV, gzip of these; any known export); several
        /// are merged.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Print one JSON object instead of a table.
        #[arg(long)]
        json: bool,
        /// Threads reading each JSONL file (default: one per core).
        #[arg(long)]
        threads: Option<usize>,
        /// Prices that win over the built-in table: a LiteLLM-format JSON file
        /// (model_prices_and_context_window.json) or tokenlens' CSV (src/pricing/prices.csv).
        #[arg(long, value_name = "FILE")]
        prices: Option<PathBuf>,
        /// Alert rules and budgets (JSON, see README "Alerts and budgets"); default: the
        /// built-in rules (p95 latency > 500 ms over 5m, daily cost > $1,000, error rate >
        /// 5% over 15m), no budgets.
        #[arg(long, value_name = "FILE")]
        rules: Option<PathBuf>,
        /// Time zone of alert windows and budget days, weeks and months (an IANA name).
        #[arg(long, value_name = "ZONE", default_value = "UTC")]
        tz: String,
        #[command(flatten)]
        mapping: MappingArgs,
    },
    /// Judge log files against alert rules and budgets: prints each fired alert and each
    /// budget over (or projected over); exit code 1 when an alert fired or a budget is
    /// over, 0 when none, 2 when the input or the rules cannot be read.
    Check {
        /// Log files, read as `summary` reads them.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Alert rules and budgets (JSON, see README "Alerts and budgets").
        #[arg(long, value_name = "FILE")]
        rules: PathBuf,
        /// Print one JSON object `{triggered, alerts, budgets}` instead of lines.
        #[arg(long)]
        json: bool,
        /// Time zone of alert windows and budget days, weeks and months (an IANA name).
        #[arg(long, value_name = "ZONE", default_value = "UTC")]
        tz: String,
        /// Threads reading each JSONL file (default: one per core).
        #[arg(long)]
        threads: Option<usize>,
        /// Prices that win over the built-in table (as for `summary`).
        #[arg(long, value_name = "FILE")]
        prices: Option<PathBuf>,
        #[command(flatten)]
        mapping: MappingArgs,
    },
    /// Every panel of the page for one view (series, histograms, tables), as JSON.
    Dashboard {
        /// Log files; several are merged.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[command(flatten)]
        view: ViewArgs,
        /// Prices that win over the built-in table (as for `summary`).
        #[arg(long, value_name = "FILE")]
        prices: Option<PathBuf>,
        #[command(flatten)]
        mapping: MappingArgs,
    },
    /// Print the table of every known export's fields -> canonical columns (Markdown).
    Fields,
    /// Write a realistic, deterministic demo log in the source article's record shape.
    Generate {
        /// How many records.
        #[arg(long)]
        records: u64,
        /// Output file (`-` for standard output).
        #[arg(long)]
        out: PathBuf,
        /// Same seed, same file.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Leave out the incident (clean traffic, to count false anomaly flags).
        #[arg(long)]
        no_incident: bool,
        /// Also write each request's feature and tags, and for some requests thumbs-up
        /// feedback and a hallucination verdict (fields the article's record lacks; the demo
        /// data has them).
        #[arg(long)]
        labels: bool,
        /// Write CSV with a header (the article's fourteen columns) instead of JSON Lines.
        #[arg(long, conflicts_with = "labels")]
        csv: bool,
    },
}

/// Which requests, and how time is cut: the page's view.
#[derive(clap::Args, Default)]
struct ViewArgs {
    /// Display time zone for the buckets (an IANA name such as Europe/Paris; default UTC).
    #[arg(long, value_name = "ZONE", default_value = "UTC")]
    tz: String,
    /// Bucket width: 1m, 5m, 15m, 1h, 3h, 6h, 12h, 1d, 1w or 1mo (default: sized to the
    /// range).
    #[arg(long, value_name = "WIDTH", default_value = "")]
    bucket: String,
    /// Only requests that start at or after this time (ISO 8601).
    #[arg(long, value_name = "TIME")]
    from: Option<String>,
    /// Only requests that start before this time (ISO 8601).
    #[arg(long, value_name = "TIME")]
    to: Option<String>,
    /// Only these models (repeatable).
    #[arg(long = "only-model", value_name = "MODEL")]
    models: Vec<String>,
    /// Only these applications (repeatable).
    #[arg(long = "only-application", value_name = "APP")]
    applications: Vec<String>,
}

impl ViewArgs {
    fn view(&self) -> Result<View, String> {
        let ms = |flag: &str, t: &Option<String>| -> Result<Option<f64>, String> {
            t.as_deref()
                .map(|t| {
                    tokenlens::ingest::time::parse_timestamp(t)
                        .map(|us| us as f64 / 1000.0)
                        .map_err(|e| format!("--{flag}: {e}"))
                })
                .transpose()
        };
        Ok(View {
            models: self.models.clone(),
            applications: self.applications.clone(),
            from_ms: ms("from", &self.from)?,
            to_ms: ms("to", &self.to)?,
            tz: self.tz.clone(),
            bucket: self.bucket.clone(),
        })
    }
}

/// How to read files whose shape detection gets wrong or does not know.
#[derive(clap::Args, Default)]
struct MappingArgs {
    /// Read the records as this export (langfuse, helicone, langsmith, litellm, portkey,
    /// openai_batch, otlp, article) instead of detecting it.
    #[arg(long, value_name = "NAME")]
    format: Option<String>,
    /// Take a canonical column from a source field: `--map latency_ms=duration`
    /// (repeatable; a dotted source is a nested field).
    #[arg(long = "map", value_name = "CANONICAL=SOURCE")]
    map: Vec<String>,
    /// The unit of epoch-number timestamps: s, ms, us or ns (default: from the magnitude).
    #[arg(long, value_name = "UNIT")]
    ts_unit: Option<String>,
    /// Timestamps are relative (they start at 0) and count from this ISO 8601 time.
    #[arg(long, value_name = "ISO8601")]
    start: Option<String>,
    /// The model of records that name none.
    #[arg(long, value_name = "NAME")]
    model: Option<String>,
}

impl MappingArgs {
    fn options(&self) -> Result<MapOptions, String> {
        MapOptions::parse(
            self.format.as_deref(),
            &self.map,
            self.ts_unit.as_deref(),
            self.start.as_deref(),
            self.model.as_deref(),
        )
        .map_err(|e| format!("--{e}"))
    }
}

/// The built-in price table, with `path`'s prices (LiteLLM JSON or tokenlens CSV) winning;
/// `None` without a path: the built-in table, which imports price with already.
fn price_table(path: Option<&Path>) -> Result<Option<PriceTable>, String> {
    let Some(path) = path else {
        return Ok(None);
    };
    let name = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {name}: {e}"))?;
    PriceTable::builtin_with_overrides(&text)
        .map(Some)
        .map_err(|e| format!("--prices {name}: {e}"))
}

/// The rules file at `path`, or the message saying what is wrong with it.
fn rules_file(path: &Path) -> Result<Rules, String> {
    let name = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {name}: {e}"))?;
    Rules::from_json(&text).map_err(|e| format!("--rules {name}: {e}"))
}

fn zone(tz: &str) -> Result<Zone, String> {
    Zone::named(tz).map_err(|e| format!("--tz: {e}"))
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Summary {
            files,
            json,
            threads,
            prices,
            rules,
            tz,
            mapping,
        } => mapping.options().and_then(|opts| {
            let prices = price_table(prices.as_deref())?;
            let rules = match rules {
                Some(path) => rules_file(&path)?,
                None => Rules::default_rules(),
            };
            let zone = zone(&tz)?;
            summary(&files, json, threads, &opts, prices.as_ref(), &rules, &zone).map(|()| false)
        }),
        Command::Check {
            files,
            rules,
            json,
            tz,
            threads,
            prices,
            mapping,
        } => mapping.options().and_then(|opts| {
            // The rules and the zone first: a typo fails before a long read.
            let rules = rules_file(&rules)?;
            let zone = zone(&tz)?;
            let prices = price_table(prices.as_deref())?;
            check(&files, json, threads, &opts, prices.as_ref(), &rules, &zone)
        }),
        Command::Dashboard {
            files,
            view,
            prices,
            mapping,
        } => mapping.options().and_then(|opts| {
            let prices = price_table(prices.as_deref())?;
            dashboard_json(&files, &view, &opts, prices.as_ref()).map(|()| false)
        }),
        Command::Fields => {
            print!("{}", fields::markdown_table());
            Ok(false)
        }
        Command::Generate {
            records,
            out,
            seed,
            no_incident,
            labels,
            csv,
        } => write_generated(records, &out, seed, no_incident, labels, csv).map(|()| false),
    };
    match result {
        Ok(false) => ExitCode::SUCCESS,
        // `check` found something.
        Ok(true) => ExitCode::from(1),
        Err(msg) => {
            eprintln!("tokenlens: {msg}");
            ExitCode::from(2)
        }
    }
}

fn summary(
    files: &[PathBuf],
    json: bool,
    threads: Option<usize>,
    opts: &MapOptions,
    prices: Option<&PriceTable>,
    rules: &Rules,
    zone: &Zone,
) -> Result<(), String> {
    let (table, import) = load(files, threads, opts, prices)?;
    let report = SummaryReport::with_rules(&table, import, rules, zone);
    let out = if json {
        serde_json::to_string_pretty(&report).map_err(|e| e.to_string())? + "\n"
    } else {
        human(&report, zone)
    };
    print_out(&out, "summary")
}

/// Writes a command's output to standard output.
fn print_out(out: &str, what: &str) -> Result<(), String> {
    io::stdout()
        .write_all(out.as_bytes())
        .map_err(|e| format!("cannot write the {what}: {e}"))
}

/// Every panel of one view, as the page gets it, in JSON.
fn dashboard_json(
    files: &[PathBuf],
    view: &ViewArgs,
    opts: &MapOptions,
    prices: Option<&PriceTable>,
) -> Result<(), String> {
    let view = view.view()?;
    let (table, _) = load(files, None, opts, prices)?;
    let d = tokenlens::dashboard(&table, &view)?;
    let out = serde_json::to_string_pretty(&d).map_err(|e| e.to_string())? + "\n";
    print_out(&out, "dashboard")
}

/// What `check --json` prints.
#[derive(serde::Serialize)]
struct CheckReport {
    /// An alert fired or a budget went over: the exit code is 1.
    triggered: bool,
    alerts: Vec<Alert>,
    budgets: Vec<BudgetStatus>,
}

/// Judges the files against the rules and budgets; `Ok(true)` when something fired.
fn check(
    files: &[PathBuf],
    json: bool,
    threads: Option<usize>,
    opts: &MapOptions,
    prices: Option<&PriceTable>,
    rules: &Rules,
    zone: &Zone,
) -> Result<bool, String> {
    let (table, _) = load(files, threads, opts, prices)?;
    let report = CheckReport {
        triggered: false,
        alerts: alerts(&table, &View::default(), &rules.rules, zone),
        budgets: budgets(&table, &rules.budgets, zone),
    };
    let over = report
        .budgets
        .iter()
        .map(|b| b.periods.iter().filter(|p| p.over).count())
        .sum::<usize>();
    let report = CheckReport {
        triggered: !report.alerts.is_empty() || over > 0,
        ..report
    };
    let out = if json {
        serde_json::to_string_pretty(&report).map_err(|e| e.to_string())? + "\n"
    } else {
        let mut o = String::new();
        for a in &report.alerts {
            o.push_str(&alert_line(a, zone));
            o.push('\n');
        }
        for b in &report.budgets {
            for line in budget_lines(b, zone) {
                o.push_str(&line);
                o.push('\n');
            }
        }
        let plural = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
        o.push_str(&format!(
            "{} fired, {} over\n",
            plural(report.alerts.len(), "alert"),
            plural(over, "budget period")
        ));
        o
    };
    print_out(&out, "check")?;
    Ok(report.triggered)
}

/// `2026-11-18T14:00:00.000000Z` -> `2026-11-18T14:00:00Z`.
fn short_iso(iso: &str) -> String {
    iso.replace(".000000Z", "Z")
}

/// A time on the zone's clock, `2026-11-01 00:00`.
fn local(ms: f64, zone: &Zone) -> String {
    zone.civil((ms * 1000.0) as i64)
        .strftime("%Y-%m-%d %H:%M")
        .to_string()
}

/// One line per fired alert: `ALERT <rule> [<group>]: <start> to <end> (n windows), worst
/// <value> at <time>`.
fn alert_line(a: &Alert, zone: &Zone) -> String {
    let mut s = format!("ALERT  {}", a.rule);
    if a.group != "all" {
        s.push_str(&format!(" [{}]", a.group));
    }
    s.push_str(&format!(
        ": {} to {}",
        short_iso(&a.start),
        short_iso(&a.end)
    ));
    if zone.name() != "UTC" {
        s.push_str(&format!(
            " ({} to {} {})",
            local(a.start_ms, zone),
            local(a.end_ms, zone),
            zone.name()
        ));
    }
    s.push_str(&format!(
        ", {} window{}, worst {} at {}",
        a.windows,
        if a.windows == 1 { "" } else { "s" },
        a.metric.format_rounded(a.worst),
        short_iso(&a.worst_start)
    ));
    if a.ongoing {
        s.push_str(", still firing at the end of the data");
    }
    s
}

/// A line for each period of a budget that went over, and one for a projection over.
fn budget_lines(b: &BudgetStatus, zone: &Zone) -> Vec<String> {
    let period = |start_ms: f64| {
        let day = local(start_ms, zone);
        let day = &day[..10];
        let what = match b.period {
            BudgetPeriod::Day => day.to_string(),
            BudgetPeriod::Week => format!("week of {day}"),
            BudgetPeriod::Month => day[..7].to_string(),
        };
        format!("{what} ({})", zone.name())
    };
    let unknown = |n: u64| {
        if n == 0 {
            String::new()
        } else {
            format!(
                ", {n} request{} of unknown cost not counted",
                if n == 1 { "" } else { "s" }
            )
        }
    };
    let mut out: Vec<String> = b
        .periods
        .iter()
        .filter(|p| p.over)
        .map(|p| {
            format!(
                "BUDGET {}: over in {}: spent {} of {} ({}%){}",
                b.name,
                period(p.start_ms),
                usd_text(round2(p.spent_usd)),
                usd_text(b.budget_usd),
                number_text(round2(p.utilisation * 100.0)),
                unknown(p.unpriced_requests)
            )
        })
        .collect();
    let c = &b.current;
    if b.projected_over && !c.over {
        out.push(format!(
            "BUDGET {}: projected over in {}: spent {} of {} ({}%), projected {} ({}%) at {}/h{}",
            b.name,
            period(c.start_ms),
            usd_text(round2(c.spent_usd)),
            usd_text(b.budget_usd),
            number_text(round2(c.utilisation * 100.0)),
            usd_text(round2(b.projected_usd)),
            number_text(round2(b.projected_utilisation * 100.0)),
            usd_text(round2(b.run_rate_usd_per_hour.unwrap_or(0.0))),
            unknown(c.unpriced_requests)
        ));
    }
    out
}

/// Cents, for people.
fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// Reads and merges the files, then prices them.
fn load(
    files: &[PathBuf],
    threads: Option<usize>,
    opts: &MapOptions,
    prices: Option<&PriceTable>,
) -> Result<(Table, ImportReport), String> {
    let mut read = Vec::new();
    for path in files {
        let name = path.display().to_string();
        let (table, report) = read_file(path, &name, threads, opts)
            .map_err(|e| format!("cannot read {name}: {e}"))?;
        // A file in no known format is an error, not an empty result.
        if report.files.iter().any(|f| f.format.is_empty()) {
            let why = report
                .errors
                .first()
                .map_or("not a known format", |e| &e.reason);
            return Err(why.to_string());
        }
        read.push((table, report));
    }
    let (table, import) = if read.len() == 1 {
        read.remove(0)
    } else {
        let mut builder = TableBuilder::default();
        let mut import = ImportReport::default();
        for (file_index, (table, report)) in (0u16..).zip(read) {
            builder.append(&table, file_index);
            import.absorb(report, 0);
        }
        (builder.finish(), import)
    };
    // Pricing again where the import's is not the one wanted: joined files lose the list of
    // flagged costs, and --prices differs from the built-in table the import used.
    let mut table = table;
    if files.len() > 1 || prices.is_some() {
        apply_prices(&mut table, prices.unwrap_or(PriceTable::builtin()));
    }
    Ok((table, import))
}

/// Reads a file with `threads` threads (default: one per core, one for files under 4 MiB,
/// which are not worth a thread). JSON Lines, CSV and TSV files are cut at line starts: this
/// thread reads the first part while one thread each reads the others, whose rows are then
/// appended in order ([`Ingest::append_part_rows`]). A CSV part that starts or ends inside a
/// quoted field (a line start inside a record) is read again here instead.
fn read_file(
    path: &Path,
    name: &str,
    threads: Option<usize>,
    opts: &MapOptions,
) -> io::Result<(Table, ImportReport)> {
    let mut file = File::open(path)?;
    let len = file.metadata()?.len();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = match threads {
        Some(n) => n.clamp(1, 64),
        None if len < (4 << 20) => 1,
        None => cores.min(64),
    };
    let mut head = vec![0u8; sniff::MAX_SNIFF.min(len as usize)];
    file.read_exact(&mut head)?;
    let format = match sniff::sniff(&head, head.len() as u64 == len, name) {
        Sniffed::Known(f @ (Format::Jsonl | Format::Csv | Format::Tsv)) => Some(f),
        _ => None,
    };
    let mut bounds = vec![0];
    if let Some(format) = format {
        for i in 1..threads as u64 {
            let at =
                part_start_at_or_after(&mut file, format, &head, len * i / threads as u64, len)?;
            if at > *bounds.last().unwrap_or(&0) && at < len {
                bounds.push(at);
            }
        }
    }
    bounds.push(len);
    let mut first = Ingest::with_options(opts.clone());
    first.start_file(name);
    first.expect_bytes(len);
    let (head, bounds) = (&head, &bounds);
    std::thread::scope(|scope| {
        let parts: Vec<_> = bounds[1..]
            .windows(2)
            .map(|w| {
                let (start, end) = (w[0], w[1]);
                scope.spawn(move || -> Result<Part, String> {
                    let format = format.ok_or("not a format read in parts")?;
                    let mut part = Ingest::for_part(name, format, head, start, opts.clone())?;
                    feed_range(path, start, end, &mut part).map_err(|e| e.to_string())?;
                    if end < len && !part.at_record_start() {
                        return Err("the part ends inside a record".into());
                    }
                    Ok(part.finish_part_rows())
                })
            })
            .collect();
        feed_range(path, 0, bounds[1], &mut first)?;
        for (part, w) in parts.into_iter().zip(bounds[1..].windows(2)) {
            let appended = match part.join() {
                Ok(Ok(rows)) => first.append_part_rows(rows).is_ok(),
                _ => false,
            };
            if !appended {
                feed_range(path, w[0], w[1], &mut first)?;
            }
        }
        Ok(first.finish())
    })
}

/// Feeds bytes `start..end` of a file to `ingest`.
fn feed_range(path: &Path, start: u64, end: u64, ingest: &mut Ingest) -> io::Result<()> {
    let mut file = File::open(path)?;
    file.seek(SeekFrom::Start(start))?;
    let mut buf = vec![0u8; 1 << 20];
    let mut left = end - start;
    while left > 0 {
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        match file.read(&mut buf[..want]) {
            Ok(0) => break,
            Ok(n) => {
                ingest.feed(&buf[..n]);
                left -= n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Where a part that should start at byte `pos` starts: a line start at or after it (`pos`
/// itself when a line ends just before; for CSV, one that looks like a record's start, see
/// [`ingest::part_start`]); `len` when there is none.
fn part_start_at_or_after(
    file: &mut File,
    format: Format,
    head: &[u8],
    pos: u64,
    len: u64,
) -> io::Result<u64> {
    if pos == 0 {
        return Ok(0);
    }
    let mut at = pos - 1;
    let mut buf = vec![0u8; 1 << 20];
    while at < len {
        file.seek(SeekFrom::Start(at))?;
        let mut n = 0;
        while n < buf.len() {
            match file.read(&mut buf[n..])? {
                0 => break,
                k => n += k,
            }
        }
        if n == 0 {
            break;
        }
        if let Some(i) = ingest::part_start(format, head, &buf[..n]) {
            return Ok(at + i as u64);
        }
        at += n as u64;
    }
    Ok(len)
}

fn write_generated(
    records: u64,
    out: &PathBuf,
    seed: u64,
    no_incident: bool,
    labels: bool,
    csv: bool,
) -> Result<(), String> {
    let opts = GenOptions {
        records,
        seed,
        incident: !no_incident,
        labels,
    };
    let name = out.display();
    let write = |w: &mut dyn Write| {
        let mut w = BufWriter::with_capacity(1 << 20, w);
        if csv {
            generate_csv(opts, &mut w)?;
        } else {
            generate(opts, &mut w)?;
        }
        w.flush()
    };
    let result = if out.as_os_str() == "-" {
        write(&mut io::stdout().lock())
    } else {
        let mut file = File::create(out).map_err(|e| format!("cannot create {name}: {e}"))?;
        write(&mut file)
    };
    result.map_err(|e| format!("cannot write {name}: {e}"))
}

/// 1234567 -> "1,234,567".
fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn opt(v: Option<f64>, decimals: usize) -> String {
    v.map_or("—".to_string(), |v| format!("{v:.decimals$}"))
}

fn pct(v: Option<f64>) -> String {
    v.map_or("—".to_string(), |v| format!("{:.2}%", v * 100.0))
}

fn human(r: &SummaryReport, zone: &Zone) -> String {
    let s = &r.summary;
    let t = &s.totals;
    let l = &t.latency_ms;
    let mut o = String::new();
    let mut line = |text: String| {
        o.push_str(&text);
        o.push('\n');
    };
    line(format!(
        "period      {} … {} (UTC)",
        s.first_ts.as_deref().unwrap_or("—"),
        s.last_ts.as_deref().unwrap_or("—")
    ));
    line(format!(
        "requests    {}   errors {} ({})   throughput {} req/s",
        thousands(t.requests),
        thousands(t.errors),
        pct(t.error_rate),
        opt(s.throughput_rps, 3)
    ));
    line(format!(
        "latency ms  p50 {}  p90 {}  p95 {}  p99 {}  max {}  mean {}",
        opt(l.p50, 1),
        opt(l.p90, 1),
        opt(l.p95, 1),
        opt(l.p99, 1),
        opt(l.max, 1),
        opt(l.mean, 1)
    ));
    line(format!(
        "tokens      input {}   output {}",
        thousands(t.input_tokens),
        thousands(t.output_tokens)
    ));
    line(format!("cost        ${}", opt(t.cost_usd, 2)));
    if !s.error_types.is_empty() {
        let kinds: Vec<String> = s
            .error_types
            .iter()
            .map(|e| format!("{} {}", e.error_type, thousands(e.count)))
            .collect();
        line(format!("error types {}", kinds.join(", ")));
    }
    line(String::new());
    line(format!(
        "{:<30} {:>10} {:>8} {:>10} {:>10} {:>10} {:>12}",
        "model", "requests", "errors", "p50 ms", "p95 ms", "p99 ms", "cost $"
    ));
    for m in &r.by_model {
        let mt = &m.totals;
        line(format!(
            "{:<30} {:>10} {:>8} {:>10} {:>10} {:>10} {:>12}",
            m.model,
            thousands(mt.requests),
            pct(mt.error_rate),
            opt(mt.latency_ms.p50, 1),
            opt(mt.latency_ms.p95, 1),
            opt(mt.latency_ms.p99, 1),
            opt(mt.cost_usd, 2)
        ));
    }
    if !r.alerts.is_empty() || r.budgets.is_some() {
        line(String::new());
    }
    for a in r.alerts.iter().take(20) {
        line(alert_line(a, zone));
    }
    if r.alerts.len() > 20 {
        line(format!(
            "  … and {} more alerts (all in --json and in `tokenlens check`)",
            thousands(r.alerts.len() as u64 - 20)
        ));
    }
    for b in r.budgets.iter().flatten() {
        line(format!(
            "BUDGET {}: {} of {} spent in the current period ({}%), projected {}",
            b.name,
            usd_text(round2(b.current.spent_usd)),
            usd_text(b.budget_usd),
            number_text(round2(b.current.utilisation * 100.0)),
            usd_text(round2(b.projected_usd)),
        ));
        for l in budget_lines(b, zone) {
            line(l);
        }
    }
    let imp = &r.import;
    line(String::new());
    for f in &imp.files {
        line(format!(
            "{}: {} {}, {} records kept",
            f.name,
            if f.format.is_empty() {
                "unknown format"
            } else {
                &f.format
            },
            if f.profile.is_empty() { "" } else { &f.profile },
            thousands(f.records)
        ));
    }
    line(format!(
        "read {} lines, kept {} records, skipped {} malformed lines",
        thousands(imp.lines),
        thousands(imp.records),
        thousands(imp.skipped_lines)
    ));
    if imp.ignored_records > 0 {
        line(format!(
            "left out {} records that are not LLM calls (chain or tool runs, non-GenAI spans)",
            thousands(imp.ignored_records)
        ));
    }
    if imp.records > 0 && !imp.has_latency {
        line("no record has a latency: this export does not carry one".to_string());
    }
    for e in imp.errors.iter().take(20) {
        line(format!(
            "  {}:{} (byte {}): {}",
            e.file, e.line, e.byte_offset, e.reason
        ));
    }
    if imp.skipped_lines > 20 {
        line(format!(
            "  … and {} more (all listed in --json up to 100)",
            imp.skipped_lines - 20
        ));
    }
    o
}
