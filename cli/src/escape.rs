//! Terminal safety: text a server chose is shown with its control characters escaped,
//! so an answer cannot move the cursor, clear the screen, retitle the window, ring the
//! bell, forge a line or reorder what the user reads. The escaper is the library's
//! ([`flowpayroll::terminal`]), so the command and the library's own messages escape the
//! same set; this module adds the one thing a log line needs on top.

pub use flowpayroll::terminal::{escape, is_unsafe};

/// One line of output: `text` escaped, keeping a single final newline as a newline.
pub fn escape_line(text: &str) -> String {
    match text.strip_suffix('\n') {
        Some(line) => format!("{}\n", escape(line)),
        None => escape(text).into_owned(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;
    use proptest::strategy::ValueTree as _;

    /// One character weighted toward what a hostile server sends: C0 controls (with
    /// newline, carriage return and escape), DEL and C1, the bidirectional controls
    /// U+202A to U+202E and U+2066 to U+2069, U+061C, U+200E/F, the line and paragraph
    /// separators; then the zero-width and format characters the escaper keeps (U+200B
    /// to U+200D, U+2060, U+FEFF, U+00AD), plain ASCII and any character.
    pub(crate) fn hostile_char() -> impl Strategy<Value = char> {
        prop_oneof![
            2 => prop_oneof![Just('\n'), Just('\r'), Just('\t'), Just('\u{1b}')],
            2 => proptest::char::range('\u{0}', '\u{1f}'),
            2 => proptest::char::range('\u{7f}', '\u{9f}'),
            2 => prop_oneof![
                proptest::char::range('\u{202a}', '\u{202e}'),
                proptest::char::range('\u{2066}', '\u{2069}'),
                proptest::sample::select(vec!['\u{061c}', '\u{200e}', '\u{200f}', '\u{2028}', '\u{2029}']),
            ],
            2 => proptest::sample::select(vec!['\u{200b}', '\u{200c}', '\u{200d}', '\u{2060}', '\u{feff}', '\u{ad}']),
            4 => proptest::char::range(' ', '~'),
            1 => any::<char>(),
        ]
    }

    /// Up to 32 of [`hostile_char`], ending with a newline in about one case in four.
    pub(crate) fn hostile_text() -> impl Strategy<Value = String> {
        (
            proptest::collection::vec(hostile_char(), 0..32),
            prop_oneof![3 => Just(""), 1 => Just("\n")],
        )
            .prop_map(|(chars, end)| String::from_iter(chars) + end)
    }

    #[test]
    fn a_line_keeps_only_its_final_newline() {
        assert_eq!(escape_line("a\nb\r\n"), "a\\nb\\r\n");
        assert_eq!(escape_line("a\n\n"), "a\\n\n");
        assert_eq!(escape_line("a\u{2028}b"), "a\\u{2028}b");
        assert_eq!(escape_line("a"), "a");
        assert_eq!(escape_line("a\u{200b}\u{feff}b\n"), "a\u{200b}\u{feff}b\n");
    }

    /// Reachability of [`hostile_text`] over 256 deterministic cases: every class of
    /// unsafe character, every kept format character, a final newline, and cases with
    /// nothing to escape all occur.
    #[test]
    fn the_generator_reaches_every_class_and_both_line_ends() {
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let strategy = hostile_text();
        type Class = (&'static str, fn(char) -> bool);
        let classes: [Class; 7] = [
            ("newline", |c| c == '\n'),
            ("other C0", |c| c < ' ' && c != '\n'),
            ("DEL and C1", |c| ('\u{7f}'..='\u{9f}').contains(&c)),
            ("bidi embedding", |c| ('\u{202a}'..='\u{202e}').contains(&c)),
            ("bidi isolate", |c| ('\u{2066}'..='\u{2069}').contains(&c)),
            ("zero width", |c| {
                ('\u{200b}'..='\u{200d}').contains(&c) || c == '\u{feff}'
            }),
            ("soft hyphen", |c| c == '\u{ad}'),
        ];
        let mut seen = [0usize; 7];
        let (mut final_newline, mut nothing_to_escape) = (0, 0);
        for _ in 0..256 {
            let text = strategy.new_tree(&mut runner).unwrap().current();
            for (k, (_, class)) in classes.iter().enumerate() {
                seen[k] += usize::from(text.chars().any(class));
            }
            final_newline += usize::from(text.ends_with('\n'));
            nothing_to_escape += usize::from(!text.trim_end_matches('\n').chars().any(is_unsafe));
        }
        for (k, (name, _)) in classes.iter().enumerate() {
            assert!(seen[k] >= 10, "{name}: {} cases of 256", seen[k]);
        }
        assert!(
            final_newline >= 30,
            "{final_newline} cases end with a newline"
        );
        assert!(nothing_to_escape >= 1, "every case had something to escape");
    }

    proptest! {
        /// Exists for both branches of `escape_line` (a final newline kept, every
        /// other unsafe character escaped): the line has no unsafe character but its
        /// final newline, and it is exactly the input with each unsafe character
        /// replaced by its escape (the kept ones, zero-width included, unchanged).
        #[test]
        fn a_line_has_one_newline_at_most_and_no_unsafe_character(text in hostile_text()) {
            let line = escape_line(&text);
            prop_assert!(!line.trim_end_matches('\n').chars().any(is_unsafe), "{:?}", line);
            prop_assert_eq!(line.matches('\n').count(), usize::from(text.ends_with('\n')));
            let expected: String = text
                .strip_suffix('\n')
                .unwrap_or(&text)
                .chars()
                .map(|c| match c {
                    '\n' => "\\n".to_owned(),
                    '\r' => "\\r".to_owned(),
                    '\t' => "\\t".to_owned(),
                    c if is_unsafe(c) => c.escape_unicode().to_string(),
                    c => c.to_string(),
                })
                .collect();
            let end = if text.ends_with('\n') { "\n" } else { "" };
            prop_assert_eq!(line, expected + end);
        }
    }
}
