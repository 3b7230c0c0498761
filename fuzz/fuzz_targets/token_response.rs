//! Fuzz target: `flowpayroll::fuzzing::token_response` on arbitrary bytes.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| flowpayroll::fuzzing::token_response(data));
