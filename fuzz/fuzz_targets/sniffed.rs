//! Any bytes through format detection and whichever decoder it picks (every profile's
//! field mapping included), cut into two chunks: it must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    tokenlens_fuzz_common::run(data, None);
});
