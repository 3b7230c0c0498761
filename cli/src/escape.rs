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
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_line_keeps_only_its_final_newline() {
        assert_eq!(escape_line("a\nb\r\n"), "a\\nb\\r\n");
        assert_eq!(escape_line("a\n\n"), "a\\n\n");
        assert_eq!(escape_line("a\u{2028}b"), "a\\u{2028}b");
        assert_eq!(escape_line("a"), "a");
    }

    proptest! {
        #[test]
        fn a_line_has_one_newline_at_most_and_no_unsafe_character(
            text in proptest::collection::vec(
                prop_oneof![Just('\n'), Just('\r'), Just('\u{1b}'), Just('\u{2029}'), any::<char>()],
                0..32,
            ).prop_map(String::from_iter)
        ) {
            let line = escape_line(&text);
            prop_assert!(!line.trim_end_matches('\n').chars().any(is_unsafe));
            prop_assert_eq!(line.matches('\n').count(), usize::from(text.ends_with('\n')));
        }
    }
}
