//! Times the dashboard of a few views natively, the table loaded and prepared once (the
//! wasm counterpart is bench/reagg.mjs), then the whole table's anomaly flags and alerts
//! (the page asks for them after its dashboard; `tokenlens summary` computes them too):
//!
//!     cargo run --release --example reagg bench/data/article-1000000.jsonl
use std::time::Instant;
use tokenlens::calendar::Zone;
use tokenlens::metrics::anomaly::anomalies;
use tokenlens::{alerts, dashboard_prepared, Ingest, Prepared, Rules, View};

fn main() {
    let path = std::env::args().nth(1).expect("usage: reagg FILE");
    let bytes = std::fs::read(&path).expect("a readable file");
    let mut ingest = Ingest::new();
    ingest.start_file(&path);
    for chunk in bytes.chunks(4 << 20) {
        ingest.feed(chunk);
    }
    let t0 = Instant::now();
    let (t, _) = ingest.finish();
    println!(
        "finish (columns, prices): {:.1} ms",
        t0.elapsed().as_secs_f64() * 1e3
    );
    let t0 = Instant::now();
    let p = Prepared::of(&t);
    println!("prepare: {:.1} ms", t0.elapsed().as_secs_f64() * 1e3);
    let first = dashboard_prepared(&t, &p, &View::default()).expect("the whole table");
    let last_ms = first.series.start_ms.last().copied().unwrap_or(0.0);
    let views = [
        ("no filter", View::default()),
        (
            "one model",
            View {
                models: vec![first.by_model[0].model.clone()],
                ..View::default()
            },
        ),
        (
            "last day",
            View {
                from_ms: Some(last_ms - 86_400_000.0),
                ..View::default()
            },
        ),
        (
            "New York, 1 h",
            View {
                tz: "America/New_York".into(),
                bucket: "1h".into(),
                ..View::default()
            },
        ),
    ];
    for (name, view) in views {
        median(name, || {
            std::hint::black_box(dashboard_prepared(&t, &p, &view).expect("a valid view"));
        });
    }
    let whole = View::default();
    median("anomalies", || {
        std::hint::black_box(anomalies(&t, &whole));
    });
    let rules = Rules::default_rules();
    median("alerts (default rules)", || {
        std::hint::black_box(alerts(&t, &whole, &rules.rules, &Zone::utc()));
    });
}

/// Prints the median time of 7 runs of `f`.
fn median(name: &str, mut f: impl FnMut()) {
    let mut ms: Vec<f64> = (0..7)
        .map(|_| {
            let t0 = Instant::now();
            f();
            t0.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    ms.sort_by(f64::total_cmp);
    println!("{name}: median {:.1} ms", ms[3]);
}
