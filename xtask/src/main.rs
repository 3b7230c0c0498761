//! Maintainer commands for the flowpayroll workspace: `cargo xtask <command>`.
//! This file only parses arguments and dispatches; each command is its own module.

mod validate;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask validate [--format text|json] [--strict] [PATH...]

Checks every example of an OpenAPI 3.0.x document against its schema. PATH is a spec
file or a folder of them (default: openapi/), optionally followed by a folder of
example files. Exit codes: 0 all valid, 1 findings, 2 the spec could not be read.";

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    match args.next().as_deref() {
        Some("validate") => match parse_validate(args) {
            Ok(options) => ExitCode::from(validate::run(&options)),
            Err(message) => usage_error(&message),
        },
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
    };
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--format" => {
                options.format = match args.next().as_deref() {
                    Some("text") => validate::Format::Text,
                    Some("json") => validate::Format::Json,
                    other => return Err(format!("--format takes `text` or `json`, not {other:?}")),
                }
            }
            "--strict" => options.strict = true,
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
