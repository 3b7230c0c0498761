//! Fuzz target: `flowpayroll::fuzzing::retry_after` on arbitrary bytes.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| flowpayroll::fuzzing::retry_after(data));
