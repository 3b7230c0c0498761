//! Nothing to use: this crate holds the token layer's benchmarks (`benches/`), measured
//! as an application builds `flowpayroll` (see its `Cargo.toml` and docs/benchmarks.md).
