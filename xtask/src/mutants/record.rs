//! One module's committed outcomes (`docs/mutants/<module>.txt`): written from
//! cargo-mutants' `outcomes.json`, read back to make the table.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;

/// What cargo-mutants made of one mutant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    Caught,
    Timeout,
    Missed,
    Unviable,
}

impl Outcome {
    pub fn word(self) -> &'static str {
        match self {
            Outcome::Caught => "caught",
            Outcome::Timeout => "timeout",
            Outcome::Missed => "missed",
            Outcome::Unviable => "unviable",
        }
    }

    fn from_word(word: &str) -> Option<Self> {
        [Self::Caught, Self::Timeout, Self::Missed, Self::Unviable]
            .into_iter()
            .find(|o| o.word() == word)
    }

    /// cargo-mutants' `summary` of a mutant's scenario.
    fn from_summary(summary: &str) -> Option<Self> {
        match summary {
            "CaughtMutant" => Some(Self::Caught),
            "Timeout" => Some(Self::Timeout),
            "MissedMutant" => Some(Self::Missed),
            "Unviable" => Some(Self::Unviable),
            _ => None,
        }
    }
}

/// One run, or a rerun of the mutants an earlier one did not catch (`--iterate`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub commit: String,
    /// `YYYY-MM-DDTHH:MM` (UTC), from cargo-mutants' start time.
    pub started: String,
    /// Build and test time of every scenario, summed (what the run cost).
    pub minutes: u64,
    pub mutants: usize,
}

/// The committed outcomes of one module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub module: String,
    pub files: String,
    pub judged_by: String,
    pub version: String,
    /// The full run first, then any reruns.
    pub runs: Vec<Run>,
    /// Each mutant's name (file:line:column: change in function) and its latest outcome.
    pub mutants: BTreeMap<String, Outcome>,
}

/// What one `outcomes.json` holds.
#[derive(Debug)]
pub struct RunOutcomes {
    pub run: Run,
    /// Each mutant's name and outcome.
    pub mutants: Vec<(String, Outcome)>,
    /// cargo-mutants' version.
    pub version: String,
}

/// The mutants of `outcomes.json` and the run they came from.
pub fn from_outcomes(json: &str, commit: &str) -> Result<RunOutcomes, String> {
    let doc: Value = serde_json::from_str(json).map_err(|e| format!("outcomes.json: {e}"))?;
    let version = doc["cargo_mutants_version"]
        .as_str()
        .unwrap_or("unknown")
        .to_owned();
    let started: String = doc["start_time"]
        .as_str()
        .unwrap_or("")
        .chars()
        .take(16)
        .collect();
    let mut seconds = 0.0;
    let mut mutants = Vec::new();
    for outcome in doc["outcomes"]
        .as_array()
        .ok_or("outcomes.json has no `outcomes`")?
    {
        for phase in outcome["phase_results"].as_array().into_iter().flatten() {
            seconds += phase["duration"].as_f64().unwrap_or(0.0);
        }
        let Some(mutant) = outcome["scenario"].get("Mutant") else {
            continue; // the baseline
        };
        let name = mutant["name"].as_str().ok_or("a mutant without a name")?;
        let summary = outcome["summary"].as_str().unwrap_or("");
        let result = Outcome::from_summary(summary)
            .ok_or_else(|| format!("{name}: outcome {summary:?} is not a mutant's"))?;
        mutants.push((name.to_owned(), result));
    }
    let run = Run {
        commit: commit.to_owned(),
        started,
        minutes: (seconds / 60.0).round() as u64,
        mutants: mutants.len(),
    };
    Ok(RunOutcomes {
        run,
        mutants,
        version,
    })
}

const HEADER: &str = "\
# The outcome of each mutant of one module under cargo-mutants, written by
# `cargo xtask mutants record` from target/mutants/<module>/mutants.out/outcomes.json
# (`.ci/mutants` runs both). docs/mutants.md's table is made from these files.
";

impl Record {
    pub fn render(&self) -> String {
        let mut out = String::from(HEADER);
        let _ = writeln!(out, "module: {}", self.module);
        let _ = writeln!(out, "files: {}", self.files);
        let _ = writeln!(out, "judged by: cargo test {}", self.judged_by);
        let _ = writeln!(out, "cargo-mutants: {}", self.version);
        for (i, run) in self.runs.iter().enumerate() {
            let key = if i == 0 { "run" } else { "rerun" };
            let _ = writeln!(
                out,
                "{key}: commit {} started {} minutes {} mutants {}",
                run.commit, run.started, run.minutes, run.mutants
            );
        }
        out.push('\n');
        for (name, outcome) in &self.mutants {
            let _ = writeln!(out, "{:<9}{name}", outcome.word());
        }
        out
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let mut fields = BTreeMap::new();
        let mut runs = Vec::new();
        let mut mutants = BTreeMap::new();
        let mut body = false;
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            if line.is_empty() {
                body = true;
                continue;
            }
            if body {
                let (word, name) = line
                    .split_once(' ')
                    .ok_or_else(|| format!("bad line {line:?}"))?;
                let outcome =
                    Outcome::from_word(word).ok_or_else(|| format!("bad outcome in {line:?}"))?;
                mutants.insert(name.trim_start().to_owned(), outcome);
            } else {
                let (key, value) = line
                    .split_once(": ")
                    .ok_or_else(|| format!("bad line {line:?}"))?;
                if key == "run" || key == "rerun" {
                    runs.push(parse_run(value).ok_or_else(|| format!("bad run {line:?}"))?);
                } else {
                    fields.insert(key.to_owned(), value.to_owned());
                }
            }
        }
        let mut field = |key: &str| {
            fields
                .remove(key)
                .ok_or_else(|| format!("no `{key}:` line"))
        };
        let record = Record {
            module: field("module")?,
            files: field("files")?,
            judged_by: field("judged by")?
                .trim_start_matches("cargo test ")
                .to_owned(),
            version: field("cargo-mutants")?,
            runs,
            mutants,
        };
        if record.runs.is_empty() {
            return Err("no `run:` line".into());
        }
        Ok(record)
    }

    /// Adds a run: a full run replaces everything, a rerun (`--iterate`) only the
    /// outcomes of the mutants it ran.
    pub fn add(&mut self, run: Run, mutants: Vec<(String, Outcome)>, rerun: bool) {
        if !rerun {
            self.runs.clear();
            self.mutants.clear();
        }
        self.runs.push(run);
        self.mutants.extend(mutants);
    }

    pub fn count(&self, outcome: Outcome) -> usize {
        self.mutants.values().filter(|o| **o == outcome).count()
    }
}

fn parse_run(value: &str) -> Option<Run> {
    let words: Vec<&str> = value.split(' ').collect();
    match words.as_slice() {
        ["commit", commit, "started", started, "minutes", minutes, "mutants", mutants] => {
            Some(Run {
                commit: (*commit).to_owned(),
                started: (*started).to_owned(),
                minutes: minutes.parse().ok()?,
                mutants: mutants.parse().ok()?,
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OUTCOMES: &str = r#"{"cargo_mutants_version": "27.1.0",
        "start_time": "2026-12-08T00:51:12.5Z",
        "outcomes": [
          {"scenario": "Baseline", "summary": "Success",
           "phase_results": [{"phase": "Build", "duration": 50.0}, {"phase": "Test", "duration": 10.0}]},
          {"scenario": {"Mutant": {"name": "src/a.rs:3:5: replace f -> bool with true"}},
           "summary": "CaughtMutant", "phase_results": [{"phase": "Build", "duration": 60.0}]},
          {"scenario": {"Mutant": {"name": "src/a.rs:4:9: replace && with || in f"}},
           "summary": "MissedMutant", "phase_results": []},
          {"scenario": {"Mutant": {"name": "src/a.rs:5:1: replace g -> T with Default::default()"}},
           "summary": "Unviable", "phase_results": []},
          {"scenario": {"Mutant": {"name": "src/a.rs:6:1: replace h with ()"}},
           "summary": "Timeout", "phase_results": []}
        ]}"#;

    #[test]
    fn outcomes_are_read_rendered_and_read_back_unchanged() {
        let RunOutcomes {
            run,
            mutants,
            version,
        } = from_outcomes(OUTCOMES, "abc123").unwrap();
        assert_eq!(
            run,
            Run {
                commit: "abc123".into(),
                started: "2026-12-08T00:51".into(),
                minutes: 2,
                mutants: 4
            }
        );
        assert_eq!(version, "27.1.0");
        let mut record = Record {
            module: "m".into(),
            files: "src/a.rs".into(),
            judged_by: "--lib".into(),
            version,
            runs: Vec::new(),
            mutants: BTreeMap::new(),
        };
        record.add(run, mutants, false);
        assert_eq!(
            [
                Outcome::Caught,
                Outcome::Timeout,
                Outcome::Missed,
                Outcome::Unviable
            ]
            .map(|o| record.count(o)),
            [1, 1, 1, 1]
        );
        let text = record.render();
        assert!(
            text.contains("\nmissed   src/a.rs:4:9: replace && with || in f\n"),
            "{text}"
        );
        assert_eq!(Record::parse(&text).unwrap(), record);
    }

    #[test]
    fn a_rerun_replaces_only_the_outcomes_it_ran() {
        let RunOutcomes {
            run,
            mutants,
            version,
        } = from_outcomes(OUTCOMES, "abc123").unwrap();
        let mut record = Record {
            module: "m".into(),
            files: "f".into(),
            judged_by: "--lib".into(),
            version,
            runs: Vec::new(),
            mutants: BTreeMap::new(),
        };
        record.add(run.clone(), mutants, false);
        let again = vec![(
            "src/a.rs:4:9: replace && with || in f".to_owned(),
            Outcome::Caught,
        )];
        record.add(
            Run {
                commit: "def456".into(),
                mutants: 1,
                ..run
            },
            again,
            true,
        );
        assert_eq!(record.runs.len(), 2);
        assert_eq!(
            (record.count(Outcome::Caught), record.count(Outcome::Missed)),
            (2, 0)
        );
        assert_eq!(Record::parse(&record.render()).unwrap(), record);
    }

    #[test]
    fn a_scenario_that_is_not_a_mutant_outcome_is_refused() {
        let json =
            r#"{"outcomes": [{"scenario": {"Mutant": {"name": "x"}}, "summary": "Failure"}]}"#;
        assert_eq!(
            from_outcomes(json, "c").unwrap_err(),
            "x: outcome \"Failure\" is not a mutant's"
        );
    }
}
