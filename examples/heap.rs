//! Heap bytes per record at each stage of a load, natively (the wasm memory in the
//! browser is the high-water mark of the same allocations):
//!
//!     cargo run --release --example heap bench/data/article-1000000.jsonl
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use tokenlens::{dashboard_prepared, Ingest, Prepared, View};

struct Counting;
static NOW: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let n = NOW.fetch_add(l.size(), Relaxed) + l.size();
        PEAK.fetch_max(n, Relaxed);
        System.alloc(l)
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        NOW.fetch_sub(l.size(), Relaxed);
        System.dealloc(p, l)
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        if new > l.size() {
            let n = NOW.fetch_add(new - l.size(), Relaxed) + new - l.size();
            PEAK.fetch_max(n, Relaxed);
        } else {
            NOW.fetch_sub(l.size() - new, Relaxed);
        }
        System.realloc(p, l, new)
    }
}

#[global_allocator]
static A: Counting = Counting;

fn main() {
    let path = std::env::args().nth(1).expect("usage: heap FILE");
    let mut file = std::fs::File::open(&path).expect("a readable file");
    let mut ingest = Ingest::new();
    ingest.start_file(&path);
    // The worker's chunk size; the chunk is not counted against the records.
    let mut chunk = vec![0u8; 1 << 20];
    let base = NOW.load(Relaxed);
    loop {
        use std::io::Read;
        let n = file.read(&mut chunk).expect("read");
        if n == 0 {
            break;
        }
        ingest.feed(&chunk[..n]);
    }
    let report = |stage: &str, records: usize| {
        let now = NOW.load(Relaxed) - base;
        let peak = PEAK.load(Relaxed) - base;
        println!(
            "{stage:<12} live {:>6.1} B/record, peak so far {:>6.1} B/record",
            now as f64 / records as f64,
            peak as f64 / records as f64
        );
    };
    let (t, _) = ingest.finish();
    let n = t.len();
    report("table", n);
    let p = Prepared::of(&t);
    report("prepared", n);
    let d = dashboard_prepared(&t, &p, &View::default()).expect("the whole table");
    std::hint::black_box(&d);
    report("dashboard", n);
}
