//! Maintainer commands for the flowpayroll workspace: `cargo xtask <command>`.
//! This file only parses arguments (clap) and dispatches; each command is its own module.

mod build_cost;
mod drift;
mod generate;
mod mutants;
mod pregenerated;
mod validate;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{value_parser, Arg, ArgAction, ArgMatches, Command};

const VALIDATE_ABOUT: &str = "\
Checks every example of an OpenAPI 3.0.x document against its schema, plus structural
and YAML portability checks (docs/validator.md). PATH is a spec file or a folder of them
(default: openapi/), optionally followed by a folder of example files.
Exit codes: 0 no errors (warnings allowed unless --deny-warnings), 1 errors,
2 a file is not YAML/JSON or not an OpenAPI 3.0.x document.";

const DRIFT_ABOUT: &str = "\
Compares the hand-maintained spec with the vendor's OpenAPI document, for the operations
the spec covers (its `x-flowpayroll-upstream` mapping), and says which differences the
spec decided on purpose (`x-flowpayroll-decision`, `covers` of `x-flowpayroll-decisions`)
and which are new (docs/spec.md, \"Upstream drift\").
Exit codes: 0 clean, 1 an undecided difference at or above --fail-on (or, with `any`, a
stale decision), 2 a document cannot be read.";

const BUILD_COST_ABOUT: &str = "\
Builds a minimal app depending on flowpayroll (each TLS choice) and on bare reqwest (same
features) from clean with `cargo build --timings`, back to back, and prints wall and CPU
(user + system) times, the N slowest units (default 5) plus flowpayroll's own, and the load
average. Compare CPU times when the machine is busy. --source depends on another copy of
flowpayroll (default: this workspace). The variant flowpayroll-ring-pregenerated measures a
copy of flowpayroll with its generated code ready-made and no build script.";

const MUTANTS_ABOUT: &str = "\
Keeps mutation testing as evidence (docs/mutants.md): `record` turns the outcomes.json of a
`.ci/mutants MODULE` run into docs/mutants/MODULE.txt (each mutant and its outcome, the
commit run on); `table` makes the table of docs/mutants.md from those files and the
equivalent mutants it lists, and with --check fails if the committed table differs.";

fn cli() -> Command {
    let format = |values: [&'static str; 4]| {
        Arg::new("format")
            .long("format")
            .value_name("FORMAT")
            .value_parser(values)
            .default_value("text")
            .help("Output format")
    };
    Command::new("xtask")
        .bin_name("cargo xtask")
        .about("Maintainer commands for flowpayroll")
        .subcommand_required(true)
        .arg_required_else_help(true)
        .subcommand(
            Command::new("validate")
                .about("Check every example of an OpenAPI 3.0.x document against its schema")
                .long_about(VALIDATE_ABOUT)
                .arg(format(["text", "json", "sarif", "github"]))
                .arg(Arg::new("strict").long("strict").action(ArgAction::SetTrue).help("Reject properties a schema does not declare"))
                .arg(Arg::new("deny-warnings").long("deny-warnings").action(ArgAction::SetTrue).help("Exit 1 on warnings too"))
                .arg(Arg::new("paths").value_name("PATH").num_args(0..).value_parser(value_parser!(PathBuf))),
        )
        .subcommand(
            Command::new("drift")
                .about("Compare the hand spec with the vendor's OpenAPI document")
                .long_about(DRIFT_ABOUT)
                .arg(Arg::new("upstream").long("upstream").value_name("FILE").value_parser(value_parser!(PathBuf)).help("The upstream document (default: the vendored copy the spec names)"))
                .arg(Arg::new("spec").long("spec").value_name("FILE").value_parser(value_parser!(PathBuf)).help("The hand spec (default: openapi/flowpayroll.yaml)"))
                .arg(format(["text", "json", "markdown", "github"]))
                .arg(Arg::new("fail-on").long("fail-on").value_name("LEVEL").value_parser(["breaking", "any"]).default_value("any").help("Undecided differences that fail the run: breaking ones, or any (and stale decisions)")),
        )
        .subcommand(
            Command::new("generate-spec")
                .about("Print a valid OpenAPI 3.0.3 document with EXAMPLES examples (for benchmarks)")
                .arg(Arg::new("examples").value_name("EXAMPLES").required(true).value_parser(value_parser!(usize))),
        )
        .subcommand(
            Command::new("mutants")
                .about("Keep cargo-mutants' outcomes in docs/mutants/ and make docs/mutants.md's table from them")
                .long_about(MUTANTS_ABOUT)
                .subcommand_required(true)
                .subcommand(
                    Command::new("record")
                        .about("Write docs/mutants/MODULE.txt from a run's outcomes.json")
                        .arg(Arg::new("module").value_name("MODULE").required(true))
                        .arg(Arg::new("files").long("files").value_name("FILES").required(true).help("The files mutated, separated by spaces"))
                        .arg(Arg::new("judged-by").long("judged-by").value_name("ARGS").required(true).help("The cargo test arguments that judged the mutants"))
                        .arg(Arg::new("commit").long("commit").value_name("COMMIT").required(true).help("The commit the run was made on"))
                        .arg(Arg::new("rerun").long("rerun").action(ArgAction::SetTrue).help("The run was --iterate: replace only the outcomes of the mutants it ran"))
                        .arg(Arg::new("outcomes").long("outcomes").value_name("FILE").value_parser(value_parser!(PathBuf)).help("The outcomes.json (default: target/mutants/MODULE/mutants.out/outcomes.json)")),
                )
                .subcommand(
                    Command::new("table")
                        .about("Rewrite docs/mutants.md's table from docs/mutants/*.txt")
                        .arg(Arg::new("check").long("check").action(ArgAction::SetTrue).help("Fail instead if the committed table differs")),
                ),
        )
        .subcommand(
            Command::new("build-cost")
                .about("Measure what a user's clean build pays for flowpayroll")
                .long_about(BUILD_COST_ABOUT)
                .arg(Arg::new("dir").long("dir").value_name("DIR").value_parser(value_parser!(PathBuf)).help("Where the apps are written and built (default: flowpayroll-build-cost in the temporary directory)"))
                .arg(Arg::new("source").long("source").value_name("DIR").value_parser(value_parser!(PathBuf)).help("The flowpayroll source the apps depend on (default: this workspace)"))
                .arg(Arg::new("rounds").long("rounds").value_name("N").value_parser(value_parser!(u16).range(1..)).default_value("1").help("Clean builds of each variant, back to back"))
                .arg(Arg::new("only").long("only").value_name("VARIANT").action(ArgAction::Append).value_parser(build_cost::variant_names()).help("Measure this variant only (repeatable)"))
                .arg(Arg::new("units").long("units").value_name("N").value_parser(value_parser!(u16)).default_value("5").help("How many of the slowest units to print"))
                .arg(Arg::new("keep").long("keep").action(ArgAction::SetTrue).help("Keep the apps and their target folders")),
        )
}

fn main() -> ExitCode {
    let matches = cli().get_matches();
    match matches.subcommand() {
        Some(("validate", m)) => ExitCode::from(validate::run(&validate_options(m))),
        Some(("drift", m)) => ExitCode::from(drift::run(&drift_options(m))),
        Some(("generate-spec", m)) => {
            print!(
                "{}",
                generate::spec(*m.get_one::<usize>("examples").unwrap_or(&0))
            );
            ExitCode::SUCCESS
        }
        Some(("build-cost", m)) => build_cost::main(&build_cost_options(m)),
        Some(("mutants", m)) => {
            let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
            match m.subcommand() {
                Some(("record", r)) => mutants::record(
                    &root,
                    &mutants::RecordOptions {
                        module: text(r, "module").to_owned(),
                        files: text(r, "files").to_owned(),
                        judged_by: text(r, "judged-by").to_owned(),
                        commit: text(r, "commit").to_owned(),
                        rerun: r.get_flag("rerun"),
                        outcomes: r.get_one::<PathBuf>("outcomes").cloned(),
                    },
                ),
                Some(("table", t)) => mutants::table(&root, t.get_flag("check")),
                _ => ExitCode::from(2),
            }
        }
        _ => ExitCode::from(2),
    }
}

fn text<'m>(m: &'m ArgMatches, id: &str) -> &'m str {
    m.get_one::<String>(id).map_or("", String::as_str)
}

fn validate_options(m: &ArgMatches) -> validate::Options {
    validate::Options {
        paths: m
            .get_many::<PathBuf>("paths")
            .into_iter()
            .flatten()
            .cloned()
            .collect(),
        format: match text(m, "format") {
            "json" => validate::Format::Json,
            "sarif" => validate::Format::Sarif,
            "github" => validate::Format::Github,
            _ => validate::Format::Text,
        },
        strict: m.get_flag("strict"),
        deny_warnings: m.get_flag("deny-warnings"),
    }
}

fn drift_options(m: &ArgMatches) -> drift::Options {
    drift::Options {
        spec: m.get_one::<PathBuf>("spec").cloned(),
        upstream: m.get_one::<PathBuf>("upstream").cloned(),
        format: match text(m, "format") {
            "json" => drift::Format::Json,
            "markdown" => drift::Format::Markdown,
            "github" => drift::Format::Github,
            _ => drift::Format::Text,
        },
        fail_on: match text(m, "fail-on") {
            "breaking" => drift::FailOn::Breaking,
            _ => drift::FailOn::Any,
        },
    }
}

fn build_cost_options(m: &ArgMatches) -> build_cost::Options {
    let number = |id: &str| usize::from(m.get_one::<u16>(id).copied().unwrap_or(1));
    build_cost::Options {
        dir: m
            .get_one::<PathBuf>("dir")
            .cloned()
            .unwrap_or_else(|| std::env::temp_dir().join("flowpayroll-build-cost")),
        source: m.get_one::<PathBuf>("source").cloned(),
        rounds: number("rounds"),
        only: m
            .get_many::<String>("only")
            .into_iter()
            .flatten()
            .cloned()
            .collect(),
        units: number("units"),
        keep: m.get_flag("keep"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        cli().debug_assert();
    }

    fn build_cost(args: &[&str]) -> Result<build_cost::Options, clap::Error> {
        let m = cli().try_get_matches_from(["xtask", "build-cost"].iter().chain(args))?;
        Ok(build_cost_options(
            m.subcommand_matches("build-cost").unwrap(),
        ))
    }

    #[test]
    fn build_cost_options_are_parsed_and_checked() {
        let options = build_cost(&[
            "--rounds",
            "3",
            "--only",
            "flowpayroll-ring",
            "--only",
            "reqwest-ring",
            "--keep",
            "--dir",
            "/tmp/x",
        ])
        .unwrap();
        assert_eq!(options.rounds, 3);
        assert_eq!(options.units, 5);
        assert_eq!(options.only, ["flowpayroll-ring", "reqwest-ring"]);
        assert_eq!(options.dir, PathBuf::from("/tmp/x"));
        assert!(options.keep && options.source.is_none());
        let defaults = build_cost(&[]).unwrap();
        assert_eq!(
            (defaults.rounds, defaults.units, defaults.keep),
            (1, 5, false)
        );
        for refused in [
            &["--rounds", "0"][..],
            &["--rounds", "x"],
            &["--only", "no-such-variant"],
            &["--units"],
            &["--bogus"],
        ] {
            assert!(build_cost(refused).is_err(), "{refused:?} accepted");
        }
    }
}
