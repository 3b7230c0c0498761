//! The recording itself, on the `metrics` facade (feature `metrics`): each function
//! builds its key from the names and labels of [`super`] and hands it to whatever
//! recorder the application installed (the facade's no-op one when there is none).

use std::time::Duration;

use metrics::{with_recorder, Key, Label, Level, Metadata, Unit};

use super::*;

static METADATA: Metadata<'static> =
    Metadata::new("flowpayroll", Level::INFO, Some(module_path!()));

static MEMORY_HIT_LABELS: [Label; 2] = [
    Label::from_static_parts("tier", "memory"),
    Label::from_static_parts("result", "hit"),
];

/// The key of the fast path, built at compile time: counting a hit allocates nothing.
static MEMORY_HIT: Key = Key::from_static_parts(CACHE_LOOKUPS, &MEMORY_HIT_LABELS);

pub(super) fn describe() {
    with_recorder(|recorder| {
        for metric in METRICS {
            let unit = Some(if metric.unit == "s" {
                Unit::Seconds
            } else {
                Unit::Count
            });
            let (name, text) = (metric.name.into(), metric.description.into());
            match metric.kind {
                "histogram" => recorder.describe_histogram(name, unit, text),
                _ => recorder.describe_counter(name, unit, text),
            }
        }
    });
}

fn count(key: &Key) {
    with_recorder(|recorder| recorder.register_counter(key, &METADATA).increment(1));
}

pub(super) fn seconds(name: &'static str, labels: Vec<Label>, value: Duration) {
    let key = Key::from_parts(name, labels);
    with_recorder(|recorder| {
        recorder
            .register_histogram(&key, &METADATA)
            .record(value.as_secs_f64());
    });
}

pub(super) fn memory_hit() {
    count(&MEMORY_HIT);
}

pub(super) fn cache_lookup(tier: Tier, hit: bool) {
    let tier = match tier {
        Tier::Memory => "memory",
        Tier::Fleet => "fleet",
    };
    let result = if hit { "hit" } else { "miss" };
    count(&Key::from_parts(
        CACHE_LOOKUPS,
        vec![Label::new("tier", tier), Label::new("result", result)],
    ));
}

pub(super) fn mint_ended(
    trigger: MintReason,
    mode: Mode,
    result: Result<MintResult, &Error>,
    elapsed: Duration,
) {
    let (trigger, mode) = (trigger.label(), mode.label());
    let outcome = match result {
        Ok(MintResult::Minted) => {
            count(&Key::from_parts(
                MINTS,
                vec![Label::new("trigger", trigger), Label::new("mode", mode)],
            ));
            "minted"
        }
        Ok(MintResult::FleetCache) => "fleet_cache",
        Err(_) => "error",
    };
    if let Err(error) = result {
        count(&Key::from_parts(
            MINT_FAILURES,
            vec![
                Label::new("kind", failure_kind(error)),
                Label::new("trigger", trigger),
                Label::new("mode", mode),
            ],
        ));
    }
    seconds(
        MINT_DURATION,
        vec![Label::new("mode", mode), Label::new("result", outcome)],
        elapsed,
    );
}

pub(super) fn hold_extended(source: HoldSource, added: Duration) {
    let source = match source {
        HoldSource::Own => "own",
        HoldSource::Fleet => "fleet",
    };
    seconds(HOLD_DURATION, vec![Label::new("source", source)], added);
}

pub(super) fn count_outcome(name: &'static str, outcome: &'static str) {
    count(&Key::from_parts(name, vec![Label::new("outcome", outcome)]));
}
