//! Times reading a file on one thread natively, the file already in memory, so that the
//! parser's cost is seen without the disk or the machine's other work (the minimum of a
//! few runs; the CPU of a shared machine varies by a third from run to run):
//!
//!     cargo run --release --example ingest bench/data/article-1000000.jsonl [RUNS]
use std::time::Instant;
use tokenlens::Ingest;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: ingest FILE [RUNS]");
    let runs: usize = args
        .next()
        .map_or(5, |n| n.parse().expect("a number of runs"));
    let bytes = std::fs::read(&path).expect("a readable file");
    let (mut feed, mut finish) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let mut ingest = Ingest::new();
        ingest.start_file(&path);
        let t0 = Instant::now();
        // Chunks of the size the CLI reads.
        for chunk in bytes.chunks(1 << 20) {
            ingest.feed(chunk);
        }
        feed.push(t0.elapsed().as_secs_f64() * 1e3);
        let t0 = Instant::now();
        let (table, report) = ingest.finish();
        finish.push(t0.elapsed().as_secs_f64() * 1e3);
        std::hint::black_box((table, report));
    }
    for (name, ms) in [("feed", &mut feed), ("finish", &mut finish)] {
        ms.sort_by(f64::total_cmp);
        println!(
            "{name}: min {:.0} ms, median {:.0} ms ({} MB/s at the minimum)",
            ms[0],
            ms[ms.len() / 2],
            (bytes.len() as f64 / 1e3 / ms[0]).round()
        );
    }
}
