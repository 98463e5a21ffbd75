//! The json decoder on any bytes, cut into two chunks at a point the input chooses: it
//! must never panic, whatever it is fed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tokenlens::ingest::sniff::Format;

fuzz_target!(|data: &[u8]| {
    tokenlens_fuzz_common::run(data, Some(Format::Json));
});
