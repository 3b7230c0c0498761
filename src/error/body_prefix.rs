//! [`BodyPrefix`]: the start of an error response's body, kept in an
//! [`ApiError`](crate::ApiError) as received (secrets masked), bounded to
//! [`BodyPrefix::LIMIT`] bytes, and escaped when displayed.

use std::fmt;

use crate::error::size::size;

/// The first bytes of a response body, as text, with how much of the body was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyPrefix {
    text: String,
    total_len: usize,
    complete: bool,
}

impl BodyPrefix {
    /// How many bytes of a body are kept.
    pub const LIMIT: usize = 512;

    /// The prefix of `body`, the whole of what was read; `complete` tells whether the
    /// body ended there.
    pub(crate) fn new(body: &[u8], complete: bool) -> Self {
        let mut end = body.len().min(Self::LIMIT);
        // Cut on a character boundary when the body is UTF-8.
        while end > 0
            && end < body.len()
            && std::str::from_utf8(&body[..end]).is_err()
            && body.len() - end < 4
        {
            end -= 1;
        }
        Self {
            text: String::from_utf8_lossy(&body[..end]).into_owned(),
            total_len: body.len(),
            complete,
        }
    }

    /// The kept text (lossy UTF-8), with the client's secrets masked. It is the
    /// server's text as sent: escape it before showing it on a terminal (this type's
    /// `Display` does).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// How many bytes of the body were read (all of it when [`Self::is_complete`]).
    pub fn total_len(&self) -> usize {
        self.total_len
    }

    /// Whether the body ended within what the client reads of error bodies (16 KiB).
    pub fn is_complete(&self) -> bool {
        self.complete
    }

    /// Whether more of the body was received than kept.
    pub fn is_truncated(&self) -> bool {
        !self.complete || self.total_len > self.text.len()
    }

    /// Whether the body was empty.
    pub fn is_empty(&self) -> bool {
        self.total_len == 0 && self.complete
    }
}

impl fmt::Display for BodyPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("(empty body)");
        }
        // Debug formatting quotes the text and escapes every control character.
        write!(f, "{:?}", self.text)?;
        if !self.complete {
            write!(
                f,
                "... (more than {}; the rest was not read)",
                size(self.total_len)
            )?;
        } else if self.is_truncated() {
            write!(f, "... ({} bytes in all)", self.total_len)?;
        }
        Ok(())
    }
}
