//! What a test recorded through the `metrics` facade, read back: [`recorded`] runs a
//! scenario with a recorder of its own and checks every series against the table of
//! `docs/observability.md`; [`count`], [`total`] and [`samples`] read the result.
//! Used by `tests/metrics.rs` and `tests/mint_reasons.rs` (through `#[path]`: it needs
//! `metrics-util`); each uses a part of it.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};

use metrics_util::debugging::{DebugValue, DebuggingRecorder};

/// One recorded series: its name and labels, and its value (a count, or the
/// histogram's samples).
pub type Series = BTreeMap<(String, BTreeSet<(String, String)>), Value>;

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Count(u64),
    Samples(Vec<f64>),
}

/// Runs `scenario` with a recorder of its own and returns what it recorded, after
/// checking every series against the docs table.
pub async fn recorded<F: std::future::Future<Output = ()>>(scenario: F) -> Series {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    {
        let _local = metrics::set_default_local_recorder(&recorder);
        scenario.await;
    }
    let documented = documented_labels();
    let mut series = Series::new();
    for (key, _, _, value) in snapshotter.snapshot().into_vec() {
        let key = key.key();
        let labels: BTreeSet<(String, String)> = key
            .labels()
            .map(|l| (l.key().to_owned(), l.value().to_owned()))
            .collect();
        let allowed = documented
            .get(key.name())
            .unwrap_or_else(|| panic!("{} is not in docs/observability.md", key.name()));
        for (label, _) in &labels {
            assert!(allowed.contains(label), "{}: label {label}", key.name());
        }
        let value = match value {
            DebugValue::Counter(n) => Value::Count(n),
            DebugValue::Histogram(samples) => {
                Value::Samples(samples.into_iter().map(|s| s.into_inner()).collect())
            }
            DebugValue::Gauge(_) => panic!("{}: no gauges are documented", key.name()),
        };
        series.insert((key.name().to_owned(), labels), value);
    }
    series
}

/// The metric table of the docs: name → its labels.
fn documented_labels() -> BTreeMap<String, BTreeSet<String>> {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/observability.md"
    ))
    .unwrap();
    let table = doc.split("## Metrics\n").nth(1).unwrap();
    table
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .map(|row| {
            let cells: Vec<&str> = row.trim_matches('|').split('|').map(str::trim).collect();
            let labels = cells[3]
                .split(',')
                .map(|l| l.trim().trim_matches('`').to_owned());
            (cells[0].trim_matches('`').to_owned(), labels.collect())
        })
        .collect()
}

fn labels(pairs: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// The count of `name` with exactly `pairs`; 0 when never recorded.
pub fn count(series: &Series, name: &str, pairs: &[(&str, &str)]) -> u64 {
    match series.get(&(name.to_owned(), labels(pairs))) {
        Some(Value::Count(n)) => *n,
        Some(other) => panic!("{name} is not a counter: {other:?}"),
        None => 0,
    }
}

/// The sum of every counter named `name`, whatever its labels.
pub fn total(series: &Series, name: &str) -> u64 {
    series
        .iter()
        .filter(|((n, _), _)| n == name)
        .map(|(_, v)| match v {
            Value::Count(n) => *n,
            Value::Samples(s) => s.len() as u64,
        })
        .sum()
}

/// Every sample of the histogram `name` whose labels include `pairs`.
pub fn samples(series: &Series, name: &str, pairs: &[(&str, &str)]) -> Vec<f64> {
    let wanted = labels(pairs);
    series
        .iter()
        .filter(|((n, l), _)| n == name && wanted.is_subset(l))
        .flat_map(|(_, v)| match v {
            Value::Samples(s) => s.clone(),
            Value::Count(_) => panic!("{name} is not a histogram"),
        })
        .collect()
}
