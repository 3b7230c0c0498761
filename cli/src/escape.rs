//! Terminal safety: text a server chose is shown with its control characters escaped,
//! so an answer cannot move the cursor, clear the screen, retitle the window, ring the
//! bell, forge a line or reorder what the user reads.
//!
//! Escaped are the C0 controls (including CR, LF, TAB, ESC, BEL), DEL, the C1 controls
//! (U+0080–U+009F; U+009B is a one-character CSI), the bidirectional formatting
//! characters and the Unicode line and paragraph separators. They are written as Rust
//! writes them (`\n`, `\r`, `\t`, `\u{1b}`); everything else, backslashes included,
//! is shown as sent.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` must not reach a terminal raw.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

/// `text` with every unsafe character escaped; borrowed when there is none.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_unsafe(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

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
    fn controls_are_escaped_and_plain_text_is_kept() {
        assert_eq!(
            escape("a\u{1b}[2J\rb\u{7}\tc\nd\u{9b}e\u{202e}f\u{7f}"),
            "a\\u{1b}[2J\\rb\\u{7}\\tc\\nd\\u{9b}e\\u{202e}f\\u{7f}"
        );
        assert!(matches!(
            escape("Café, naïve, 東京 C:\\x"),
            Cow::Borrowed("Café, naïve, 東京 C:\\x")
        ));
    }

    #[test]
    fn a_line_keeps_only_its_final_newline() {
        assert_eq!(escape_line("a\nb\r\n"), "a\\nb\\r\n");
        assert_eq!(escape_line("a\n\n"), "a\\n\n");
        assert_eq!(escape_line("a"), "a");
    }

    proptest! {
        #[test]
        fn the_result_has_no_unsafe_character(text in any::<String>()) {
            let escaped = escape(&text);
            prop_assert!(!escaped.chars().any(is_unsafe), "{escaped:?}");
            if !text.chars().any(is_unsafe) {
                prop_assert_eq!(escaped.as_ref(), text.as_str());
            }
            let line = escape_line(&text);
            prop_assert!(!line.trim_end_matches('\n').chars().any(is_unsafe));
            prop_assert!(line.matches('\n').count() <= 1);
        }
    }
}
