use std::collections::BTreeMap;
use std::path::Path;

use super::record::Run;
use super::*;

fn record(module: &str, mutants: &[(&str, Outcome)]) -> Record {
    Record {
        module: module.into(),
        files: "src/a.rs src/b.rs".into(),
        judged_by: "--lib".into(),
        version: "27.1.0".into(),
        runs: vec![Run {
            commit: "0123456789abcdef".into(),
            started: "2026-12-08T01:02".into(),
            minutes: 3,
            mutants: mutants.len(),
        }],
        mutants: mutants
            .iter()
            .map(|(n, o)| ((*n).to_owned(), *o))
            .collect::<BTreeMap<_, _>>(),
    }
}

fn doc(equivalent: &str) -> String {
    format!("# Mutation scores\n\n{BEGIN}\nold table\n{END}\n\nprose\n\n{EQUIVALENT}\n\n{equivalent}\n## After\n\n* `other`: not an equivalent\n")
}

#[test]
fn the_table_counts_each_outcome_and_takes_equivalents_out_of_the_missed() {
    let records = [record(
        "retry",
        &[
            ("a", Outcome::Caught),
            ("b", Outcome::Timeout),
            ("c", Outcome::Missed),
            ("d", Outcome::Missed),
            ("e", Outcome::Unviable),
        ],
    )];
    let new = updated(&doc("* `d`: the reason\n"), &records).unwrap();
    let row = "| [retry](mutants/retry.txt) | `src/a.rs`, `src/b.rs` | 5 | 1 | 1 | 1 | 1 | 1 | 2 of 3 (66%) | `0123456789` 2026-12-08 01:02, 3 min |";
    assert!(new.contains(&format!("{BEGIN}\n| Module |")), "{new}");
    assert!(new.contains(&format!("{row}\n{END}\n\nprose")), "{new}");
    assert!(!new.contains("old table"));
    // Made again from its own output, the document does not change.
    assert_eq!(updated(&new, &records).unwrap(), new);
}

#[test]
fn an_equivalent_needs_a_reason_and_a_run_that_missed_it() {
    let records = [record(
        "m",
        &[("a", Outcome::Caught), ("b", Outcome::Missed)],
    )];
    assert_eq!(
        updated(&doc("* `a`: caught, so not equivalent\n"), &records).unwrap_err(),
        "docs/mutants.md lists `a` as equivalent, but no committed run missed it"
    );
    assert!(updated(&doc("* `b`:  \n"), &records)
        .unwrap_err()
        .contains("needs"));
    assert!(updated(&doc("* checked by hand\n"), &records)
        .unwrap_err()
        .contains("needs"));
    assert_eq!(equivalents(&doc("* `b`: why\n")).unwrap(), ["b"]);
}

#[test]
fn a_document_without_its_markers_is_refused() {
    assert_eq!(
        updated("# no table\n", &[]).unwrap_err(),
        "docs/mutants.md has no table start marker"
    );
}

/// The check CI runs: the committed table is the one the committed outcomes make.
#[test]
fn the_committed_table_matches_the_committed_outcomes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let doc = std::fs::read_to_string(root.join("docs/mutants.md")).unwrap();
    let made = updated(&doc, &records(&root).unwrap()).unwrap();
    assert!(
        made == doc,
        "docs/mutants.md's table is stale: run `cargo xtask mutants table`"
    );
}
