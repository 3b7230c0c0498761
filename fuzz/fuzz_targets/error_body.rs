//! Fuzz target: `flowpayroll::fuzzing::error_body` on arbitrary bytes.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| flowpayroll::fuzzing::error_body(data));
