//! `cargo xtask validate` on ten public OpenAPI 3.0 documents as their vendors publish
//! them (`tests/corpus/`, sources in its README): none is refused, every example is
//! visited once (counted here independently, with another YAML reader), and the
//! findings are the ones checked by reading each document.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{corpus, example_locations, validate};
use serde_json::Value;

/// (document, examples visited, checked, failed, errors, warnings, findings per rule).
/// Errors are example failures, one per location in an example; Redocly's example
/// rules report the same locations on every document but xero-projects.yaml (see the
/// README, "Compared with Redocly").
type Expected = (
    &'static str,
    u64,
    u64,
    u64,
    u64,
    u64,
    &'static [(&'static str, u64)],
);

const EXPECTED: [Expected; 10] = [
    (
        "asana_oas.yaml",
        1126,
        1126,
        11,
        11,
        288,
        &[
            ("invalid-example", 11),
            ("no-example", 259),
            ("not-checked", 29),
        ],
    ),
    (
        "vonage-account.yml",
        54,
        54,
        5,
        5,
        10,
        &[("invalid-example", 5), ("no-example", 10)],
    ),
    (
        "vonage-numbers.yml",
        43,
        43,
        0,
        0,
        11,
        &[("no-example", 11)],
    ),
    (
        "vonage-sms.yml",
        61,
        61,
        0,
        0,
        3,
        &[("no-example", 1), ("yaml-portability", 2)],
    ),
    (
        "vonage-voice.yml",
        64,
        64,
        3,
        3,
        10,
        &[
            ("invalid-example", 3),
            ("no-example", 8),
            ("yaml-portability", 2),
        ],
    ),
    (
        "xero-payroll-au.yaml",
        329,
        329,
        44,
        44,
        13,
        &[
            ("invalid-example", 44),
            ("no-example", 12),
            ("yaml-portability", 1),
        ],
    ),
    (
        "xero-payroll-nz.yaml",
        213,
        213,
        85,
        397,
        233,
        &[
            ("invalid-example", 397),
            ("no-example", 37),
            ("yaml-portability", 196),
        ],
    ),
    (
        "xero-projects.yaml",
        54,
        54,
        13,
        13,
        12,
        &[
            ("invalid-example", 13),
            ("no-example", 1),
            ("not-checked", 11),
        ],
    ),
    (
        "xero_assets.yaml",
        66,
        64,
        12,
        18,
        16,
        &[
            ("invalid-example", 18),
            ("not-checked", 2),
            ("yaml-portability", 14),
        ],
    ),
    (
        "xero_bankfeeds.yaml",
        54,
        54,
        7,
        19,
        1,
        &[("invalid-example", 19), ("yaml-portability", 1)],
    ),
];

#[test]
fn every_corpus_document_is_read_and_gives_the_expected_findings() {
    for (name, visited, checked, failed, errors, warnings, rules) in EXPECTED {
        let (code, output) = validate(&[&corpus(name)]);
        let summary = &output["summary"];
        let found = (
            summary["examples_visited"].as_u64().unwrap(),
            summary["examples_checked"].as_u64().unwrap(),
            summary["examples_failed"].as_u64().unwrap(),
            summary["errors"].as_u64().unwrap(),
            summary["warnings"].as_u64().unwrap(),
        );
        assert_eq!(
            found,
            (visited, checked, failed, errors, warnings),
            "{name}"
        );
        let mut per_rule: BTreeMap<&str, u64> = BTreeMap::new();
        for finding in output["findings"].as_array().unwrap() {
            *per_rule
                .entry(finding["rule"].as_str().unwrap())
                .or_default() += 1;
        }
        assert_eq!(per_rule, rules.iter().copied().collect(), "{name}");
        assert_eq!(code, i32::from(errors > 0), "{name}");
        assert!(
            output["unreadable"].as_array().unwrap().is_empty(),
            "{name}"
        );
    }
}

/// Every example location of each document, found by a plain walk of the whole tree
/// (read by `yaml_serde`, not by the command's reader): `example` keys outside
/// extensions and example values, and `examples` entries with a `value`, after `$ref`.
#[test]
fn every_example_is_visited_exactly_once() {
    for (name, visited, ..) in EXPECTED {
        let text = std::fs::read_to_string(corpus(name)).unwrap();
        let document: Value = yaml_serde::from_str(&text).unwrap();
        let mut found = BTreeSet::new();
        example_locations(&document, &document, "", false, &mut found);
        assert_eq!(found.len() as u64, visited, "{name}");
    }
}
