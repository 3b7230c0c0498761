//! `cargo xtask mutants`: keeps cargo-mutants' outcomes in the repository and makes
//! docs/mutants.md's table from them, so the table cannot say more than the runs did.
//!
//! * `record MODULE`: `target/mutants/MODULE/mutants.out/outcomes.json` (a run of
//!   `.ci/mutants MODULE`) to `docs/mutants/MODULE.txt`, with the commit it ran on.
//! * `table [--check]`: the table between the markers of docs/mutants.md, from every
//!   `docs/mutants/*.txt` and the equivalent mutants listed under "Equivalent mutants"
//!   there; `--check` fails if the committed table differs.

mod record;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub use record::{Outcome, Record};

const BEGIN: &str =
    "<!-- mutants table: made by `cargo xtask mutants table` from docs/mutants/*.txt -->";
const END: &str = "<!-- end of the mutants table -->";
const EQUIVALENT: &str = "## Equivalent mutants";

/// What `record` is given.
pub struct RecordOptions {
    pub module: String,
    pub files: String,
    pub judged_by: String,
    pub commit: String,
    /// The run was `--iterate`: it replaces only the outcomes of the mutants it ran.
    pub rerun: bool,
    pub outcomes: Option<PathBuf>,
}

pub fn record(root: &Path, options: &RecordOptions) -> ExitCode {
    match record_module(root, options) {
        Ok(path) => {
            println!("wrote {}", path.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn record_module(root: &Path, o: &RecordOptions) -> Result<PathBuf, String> {
    let source = o.outcomes.clone().unwrap_or_else(|| {
        root.join("target/mutants")
            .join(&o.module)
            .join("mutants.out/outcomes.json")
    });
    let json =
        std::fs::read_to_string(&source).map_err(|e| format!("{}: {e}", source.display()))?;
    let record::RunOutcomes {
        run,
        mutants,
        version,
    } = record::from_outcomes(&json, &o.commit)?;
    let path = root.join("docs/mutants").join(format!("{}.txt", o.module));
    let mut kept = match std::fs::read_to_string(&path) {
        Ok(text) if o.rerun => {
            Record::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?
        }
        _ => Record {
            module: o.module.clone(),
            files: String::new(),
            judged_by: String::new(),
            version: String::new(),
            runs: Vec::new(),
            mutants: BTreeMap::new(),
        },
    };
    kept.files.clone_from(&o.files);
    kept.judged_by.clone_from(&o.judged_by);
    kept.version = version;
    kept.add(run, mutants, o.rerun);
    std::fs::create_dir_all(path.parent().unwrap_or(root)).map_err(|e| e.to_string())?;
    std::fs::write(&path, kept.render()).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
}

pub fn table(root: &Path, check: bool) -> ExitCode {
    let doc_path = root.join("docs/mutants.md");
    let result = std::fs::read_to_string(&doc_path)
        .map_err(|e| format!("{}: {e}", doc_path.display()))
        .and_then(|doc| Ok((updated(&doc, &records(root)?)?, doc)));
    match result {
        Ok((new, old)) if new == old => {
            println!("docs/mutants.md: the table matches docs/mutants/*.txt");
            ExitCode::SUCCESS
        }
        Ok(_) if check => {
            eprintln!(
                "error: docs/mutants.md's table differs from docs/mutants/*.txt; run `cargo xtask mutants table` and commit it"
            );
            ExitCode::FAILURE
        }
        Ok((new, _)) => match std::fs::write(&doc_path, new) {
            Ok(()) => {
                println!("docs/mutants.md: table rewritten");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {}: {e}", doc_path.display());
                ExitCode::FAILURE
            }
        },
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Every committed module record, in file-name order.
pub fn records(root: &Path) -> Result<Vec<Record>, String> {
    let dir = root.join("docs/mutants");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|entry| Some(entry.ok()?.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
            Record::parse(&text).map_err(|e| format!("{}: {e}", p.display()))
        })
        .collect()
}

/// The mutants docs/mutants.md lists as equivalent: bullets `` * `NAME`: reason ``
/// under its "Equivalent mutants" heading.
pub fn equivalents(doc: &str) -> Result<Vec<String>, String> {
    let section = doc.split_once(EQUIVALENT).map_or("", |(_, rest)| rest);
    let section = section.split("\n## ").next().unwrap_or("");
    let mut names = Vec::new();
    for line in section.lines().filter(|l| l.starts_with("* ")) {
        let reason = line
            .strip_prefix("* `")
            .and_then(|rest| rest.split_once("`: "))
            .filter(|(_, reason)| !reason.trim().is_empty());
        match reason {
            Some((name, _)) => names.push(name.to_owned()),
            None => {
                return Err(format!(
                    "an equivalent mutant needs \"* `NAME`: reason\": {line:?}"
                ))
            }
        }
    }
    Ok(names)
}

/// `doc` with its table made from `records`.
pub fn updated(doc: &str, records: &[Record]) -> Result<String, String> {
    let equivalent = equivalents(doc)?;
    for name in &equivalent {
        let missed = records
            .iter()
            .any(|r| r.mutants.get(name) == Some(&Outcome::Missed));
        if !missed {
            return Err(format!(
                "docs/mutants.md lists `{name}` as equivalent, but no committed run missed it"
            ));
        }
    }
    let (before, rest) = doc
        .split_once(BEGIN)
        .ok_or("docs/mutants.md has no table start marker")?;
    let (_, after) = rest
        .split_once(END)
        .ok_or("docs/mutants.md has no table end marker")?;
    Ok(format!(
        "{before}{BEGIN}\n{}{END}{after}",
        render_table(records, &equivalent)
    ))
}

fn render_table(records: &[Record], equivalent: &[String]) -> String {
    let mut out = String::from(
        "| Module | Files | Mutants | Caught | Timeout | Missed | Equivalent | Unviable | Score | Run on |\n\
         |---|---|---|---|---|---|---|---|---|---|\n",
    );
    for r in records {
        let equivalents = r
            .mutants
            .iter()
            .filter(|(name, o)| **o == Outcome::Missed && equivalent.contains(name))
            .count();
        let caught = r.count(Outcome::Caught);
        let timeout = r.count(Outcome::Timeout);
        let missed = r.count(Outcome::Missed) - equivalents;
        let judged = caught + timeout + missed;
        let score = match ((caught + timeout) * 100).checked_div(judged) {
            Some(percent) => format!("{} of {judged} ({percent}%)", caught + timeout),
            None => "no viable mutant".to_owned(),
        };
        let files: Vec<String> = r.files.split(' ').map(|f| format!("`{f}`")).collect();
        let runs: Vec<String> = r
            .runs
            .iter()
            .map(|run| {
                format!(
                    "`{}` {}, {} min",
                    short(&run.commit),
                    run.started.replace('T', " "),
                    run.minutes
                )
            })
            .collect();
        let _ = writeln!(
            out,
            "| [{m}](mutants/{m}.txt) | {} | {} | {caught} | {timeout} | {missed} | {equivalents} | {} | {score} | {} |",
            files.join(", "),
            r.mutants.len(),
            r.count(Outcome::Unviable),
            runs.join("; rerun "),
            m = r.module,
        );
    }
    out
}

/// A commit's first 10 digits, and `+uncommitted` if the run had changes not committed.
fn short(commit: &str) -> String {
    let (hash, changes) = commit
        .split_once('+')
        .map_or((commit, ""), |(h, _)| (h, "+uncommitted"));
    format!("{}{changes}", hash.get(..10).unwrap_or(hash))
}

#[cfg(test)]
mod tests;
