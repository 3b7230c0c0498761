//! Maintainer commands for the flowpayroll workspace: `cargo xtask <command>`.
//! This file only parses arguments and dispatches; each command is its own module.

mod build_cost;
mod generate;
mod pregenerated;
mod validate;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask validate [--format text|json|sarif|github] [--strict] [--deny-warnings] [PATH...]
       cargo xtask generate-spec EXAMPLES
       cargo xtask build-cost [--dir DIR] [--source DIR] [--rounds N] [--only VARIANT]... [--units N] [--keep]

validate: checks every example of an OpenAPI 3.0.x document against its schema, plus
structural and YAML portability checks. PATH is a spec file or a folder of them
(default: openapi/), optionally followed by a folder of example files.
Exit codes: 0 no errors (warnings allowed unless --deny-warnings), 1 errors,
2 a file is not YAML/JSON or not an OpenAPI 3.0.x document.

generate-spec: prints a valid OpenAPI 3.0.3 document with EXAMPLES examples (for
benchmarks).

build-cost: builds a minimal app depending on flowpayroll (each TLS choice) and on bare
reqwest (same features) from clean with `cargo build --timings`, back to back, and
prints wall and CPU (user + system) times, the N slowest units (default 5) plus
flowpayroll's own, and the load average. Compare CPU times when the machine is busy.
--source depends on another copy of flowpayroll (default: this workspace). The variant
flowpayroll-ring-pregenerated measures a copy of flowpayroll with its generated code
ready-made and no build script (written under --dir only).";

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    match args.next().as_deref() {
        Some("validate") => match parse_validate(args) {
            Ok(options) => ExitCode::from(validate::run(&options)),
            Err(message) => usage_error(&message),
        },
        Some("generate-spec") => match args.next().and_then(|n| n.parse::<usize>().ok()) {
            Some(examples) => {
                print!("{}", generate::spec(examples));
                ExitCode::SUCCESS
            }
            None => usage_error("generate-spec takes a number of examples"),
        },
        Some("build-cost") => build_cost::main(args),
        Some("-h" | "--help") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some(other) => usage_error(&format!("unknown command `{other}`")),
        None => usage_error("no command given"),
    }
}

fn parse_validate(args: impl Iterator<Item = String>) -> Result<validate::Options, String> {
    let mut options = validate::Options {
        paths: Vec::new(),
        format: validate::Format::Text,
        strict: false,
        deny_warnings: false,
    };
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--format" => {
                options.format = match args.next().as_deref() {
                    Some("text") => validate::Format::Text,
                    Some("json") => validate::Format::Json,
                    Some("sarif") => validate::Format::Sarif,
                    Some("github") => validate::Format::Github,
                    other => {
                        return Err(format!(
                            "--format takes `text`, `json`, `sarif` or `github`, not {other:?}"
                        ))
                    }
                }
            }
            "--strict" => options.strict = true,
            "--deny-warnings" => options.deny_warnings = true,
            flag if flag.starts_with("--") => return Err(format!("unknown option `{flag}`")),
            path => options.paths.push(PathBuf::from(path)),
        }
    }
    Ok(options)
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("error: {message}\n\n{USAGE}");
    ExitCode::from(2)
}
