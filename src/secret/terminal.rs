//! The one terminal escaper of the crate and of the `flowpayroll` command: text a server
//! chose is shown with the characters that change what a terminal displays written as
//! visible escapes, so an answer cannot move the cursor, clear the screen, retitle the
//! window, ring the bell, forge a line or reorder what the reader sees.
//!
//! Escaped are the C0 controls (CR, LF, TAB, ESC, BEL...), DEL, the C1 controls
//! (U+0080–U+009F; U+009B is a one-character CSI), the bidirectional marks, embeddings,
//! overrides and isolates (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) and the
//! line and paragraph separators (U+2028, U+2029). They are written as Rust writes them
//! (`\n`, `\r`, `\t`, `\u{1b}`); everything else, backslashes included, is kept as sent.
//! Every `Display` of server text in this crate (errors, `jti`s in logs, unknown enum
//! values) goes through [`Escaped`].

use std::borrow::Cow;
use std::fmt::{self, Write as _};

/// Whether `c` must not reach a terminal raw: a C0 or C1 control, DEL, a bidirectional
/// mark, embedding, override or isolate, or a line or paragraph separator.
///
/// ```
/// use flowpayroll::terminal::is_unsafe;
///
/// assert!(is_unsafe('\u{1b}') && is_unsafe('\u{202e}') && is_unsafe('\u{2028}'));
/// assert!(!is_unsafe('é') && !is_unsafe('\\'));
/// ```
pub fn is_unsafe(c: char) -> bool {
    // `is_control` is the Cc category: exactly C0, DEL and C1.
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

/// Text displayed with its unsafe characters escaped; nothing is allocated.
///
/// ```
/// use flowpayroll::terminal::Escaped;
///
/// let line = format!("server said: {}", Escaped("ok\u{1b}[2J\r\u{2029}done"));
/// assert_eq!(line, "server said: ok\\u{1b}[2J\\r\\u{2029}done");
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Escaped<'a>(pub &'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some((at, c)) = rest.char_indices().find(|&(_, c)| is_unsafe(c)) {
            f.write_str(&rest[..at])?;
            match c {
                '\n' => f.write_str("\\n")?,
                '\r' => f.write_str("\\r")?,
                '\t' => f.write_str("\\t")?,
                c => write!(f, "{}", c.escape_unicode())?,
            }
            rest = &rest[at + c.len_utf8()..];
        }
        f.write_str(rest)
    }
}

/// `text` with its unsafe characters escaped; borrowed when it has none.
///
/// ```
/// use std::borrow::Cow;
/// use flowpayroll::terminal::escape;
///
/// assert_eq!(escape("a\u{7}b\u{2066}"), "a\\u{7}b\\u{2066}");
/// assert!(matches!(escape("Café 東京"), Cow::Borrowed(_)));
/// ```
pub fn escape(text: &str) -> Cow<'_, str> {
    if text.chars().any(is_unsafe) {
        let mut out = String::with_capacity(text.len() + 16);
        // Writing to a String cannot fail.
        let _ = write!(out, "{}", Escaped(text));
        Cow::Owned(out)
    } else {
        Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests;
