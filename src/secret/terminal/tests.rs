//! Unit tests of the terminal escaper.

use std::borrow::Cow;
use std::collections::BTreeSet;

use proptest::prelude::*;
use proptest::strategy::ValueTree as _;
use proptest::test_runner::TestRunner;

use super::*;

/// Every character the escaper must catch, written out by hand from the module docs
/// (not derived from `is_unsafe`, so a missing range there fails here).
fn unsafe_chars() -> Vec<char> {
    let ranges = [
        (0x00, 0x1f),
        (0x7f, 0x9f),
        (0x061c, 0x061c),
        (0x200e, 0x200f),
        (0x202a, 0x202e),
        (0x2066, 0x2069),
        (0x2028, 0x2029),
    ];
    ranges
        .iter()
        .flat_map(|&(from, to)| (from..=to).filter_map(char::from_u32))
        .collect()
}

/// Text weighted toward the edges: half of its characters are unsafe ones, the rest
/// plain ASCII (with backslashes), characters next to the unsafe ranges, or any
/// character at all. `any::<String>()` alone almost never yields U+061C or U+2028.
fn hostile_text() -> impl Strategy<Value = String> {
    let near_misses = vec![
        '\u{20}', '\u{7e}', '\u{a0}', '\u{061b}', '\u{061d}', '\u{200d}', '\u{2027}', '\u{202f}',
        '\u{2065}', '\u{206a}', '\\', 'é', '東',
    ];
    let one = prop_oneof![
        5 => proptest::sample::select(unsafe_chars()),
        2 => proptest::char::range(' ', '~'),
        1 => proptest::sample::select(near_misses),
        2 => any::<char>(),
    ];
    proptest::collection::vec(one, 0..48).prop_map(|chars| chars.into_iter().collect())
}

#[test]
fn the_set_is_exactly_c0_c1_bidi_and_separators() {
    let expected: BTreeSet<char> = unsafe_chars().into_iter().collect();
    let found: BTreeSet<char> = (0..=0x3000u32)
        .filter_map(char::from_u32)
        .filter(|&c| is_unsafe(c))
        .collect();
    assert_eq!(found, expected);
    assert_eq!(expected.len(), 32 + 33 + 1 + 2 + 5 + 4 + 2);
    assert!(!is_unsafe('\u{10ffff}') && !is_unsafe('\u{feff}'));
}

#[test]
fn controls_are_escaped_and_plain_text_is_kept() {
    assert_eq!(
        escape("a\u{1b}[2J\rb\u{7}\tc\nd\u{9b}e\u{202e}f\u{7f}"),
        "a\\u{1b}[2J\\rb\\u{7}\\tc\\nd\\u{9b}e\\u{202e}f\\u{7f}"
    );
    assert_eq!(
        escape("\u{61c}x\u{2028}y\u{2029}z\u{2066}"),
        "\\u{61c}x\\u{2028}y\\u{2029}z\\u{2066}"
    );
    assert!(matches!(
        escape("Café, naïve, 東京 C:\\x"),
        Cow::Borrowed("Café, naïve, 東京 C:\\x")
    ));
    assert_eq!(Escaped("").to_string(), "");
}

/// The generator reaches the escaping branch for every unsafe character, and the safe
/// branch too: counted over the cases proptest's default config would run.
#[test]
fn the_generator_produces_every_unsafe_character() {
    let mut runner = TestRunner::deterministic();
    let strategy = hostile_text();
    let mut seen = BTreeSet::new();
    let (mut escaped_cases, mut borrowed_cases) = (0, 0);
    for _ in 0..256 {
        let text = strategy.new_tree(&mut runner).unwrap().current();
        seen.extend(text.chars().filter(|&c| is_unsafe(c)));
        match escape(&text) {
            Cow::Owned(_) => escaped_cases += 1,
            Cow::Borrowed(_) => borrowed_cases += 1,
        }
    }
    let missing: Vec<char> = unsafe_chars()
        .into_iter()
        .filter(|c| !seen.contains(c))
        .collect();
    assert_eq!(
        missing,
        Vec::<char>::new(),
        "unsafe characters never generated"
    );
    assert!(escaped_cases >= 200, "{escaped_cases} cases escaped");
    assert!(borrowed_cases >= 1, "no case without an unsafe character");
}

proptest! {
    #[test]
    fn the_result_has_no_unsafe_character_and_keeps_the_rest(text in hostile_text()) {
        let escaped = escape(&text);
        prop_assert!(!escaped.chars().any(is_unsafe), "{escaped:?}");
        prop_assert_eq!(Escaped(&text).to_string(), escaped.as_ref());
        // The safe characters come out as they went in, in order, and each unsafe one
        // adds its escape.
        let safe: String = text.chars().filter(|&c| !is_unsafe(c)).collect();
        let escapes: usize = text
            .chars()
            .filter(|&c| is_unsafe(c))
            .map(|c| match c {
                '\n' | '\r' | '\t' => 2,
                c => c.escape_unicode().count(),
            })
            .sum();
        prop_assert_eq!(escaped.len(), safe.len() + escapes);
        if text.chars().any(is_unsafe) {
            prop_assert!(matches!(escaped, Cow::Owned(_)));
        } else {
            prop_assert!(matches!(escaped, Cow::Borrowed(_)));
            prop_assert_eq!(escaped.as_ref(), text.as_str());
        }
    }
}
