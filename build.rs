//! Generates the typed client from `openapi/flowpayroll.yaml` into `OUT_DIR`.
//!
//! Steps: load the spec (YAML hygiene included), derive what progenitor is given
//! (`build/prepare.rs` says what changes and why), generate the client, generate what
//! progenitor cannot (open enums, the error-body table: `build/emit.rs`; the `Operation`
//! enum: `build/operations.rs`; request builders and `#[non_exhaustive]` models:
//! `build/builders.rs`, the builders' code `build/builder_code.rs`), take out per-call
//! work the crate does not need (`build/lean.rs`), format, write.
//! A broken spec stops the build with one line naming the file and the problem.

#[path = "build/builder_code.rs"]
mod builder_code;
#[path = "build/builders.rs"]
mod builders;
#[path = "build/emit.rs"]
mod emit;
#[path = "build/generate.rs"]
mod generate;
#[path = "build/lean.rs"]
mod lean;
#[path = "build/nullable.rs"]
mod nullable;
#[path = "build/operations.rs"]
mod operations;
#[path = "build/prepare.rs"]
mod prepare;
#[path = "build/spec.rs"]
mod spec;

use std::path::{Path, PathBuf};

const SPEC: &str = "openapi/flowpayroll.yaml";

fn main() {
    rerun_if_changed(Path::new("openapi"));
    println!("cargo::rerun-if-changed=build");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    if let Err(message) = generate::run(Path::new(SPEC), &out) {
        println!("cargo::error={message}");
        std::process::exit(1);
    }
}

/// Asks cargo to rerun this script when anything under `dir` changes (a new file too:
/// cargo watches the directories themselves as well).
fn rerun_if_changed(dir: &Path) {
    println!("cargo::rerun-if-changed={}", dir.display());
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rerun_if_changed(&path);
        } else {
            println!("cargo::rerun-if-changed={}", path.display());
        }
    }
}
