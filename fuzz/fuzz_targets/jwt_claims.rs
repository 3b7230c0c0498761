//! Fuzz target: `flowpayroll::fuzzing::jwt_claims` on arbitrary bytes.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| flowpayroll::fuzzing::jwt_claims(data));
