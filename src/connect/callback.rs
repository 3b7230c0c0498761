//! Reading the callback the sign-in page sends to the redirect URI: a whole URL or its
//! query string, bounded, each parameter at most once, into a [`Callback`].

use url::Url;

use crate::error::connect::{ConnectError, MAX_DESCRIPTION};
use crate::secret::terminal::escape;
use crate::secret::SecretString;

/// The longest callback read, in bytes (a URL or a query string). Browsers and servers
/// commonly stop at 8 KiB of request line; a code and a state need far less.
pub const MAX_CALLBACK_LEN: usize = 8 * 1024;

/// What a callback says, before any check against the sign-in.
#[derive(Debug)]
pub(crate) struct Callback {
    /// The whole URL, when a URL (not a query string) was given.
    pub(crate) url: Option<Url>,
    pub(crate) code: Option<SecretString>,
    pub(crate) state: Option<SecretString>,
    /// The `error` code, escaped and bounded.
    pub(crate) error: Option<String>,
    /// The `error_description`, escaped and bounded.
    pub(crate) description: Option<String>,
}

/// Reads `callback`: a URL such as `https://app.example.com/cb?authorization_code=..`,
/// or its query, with or without the `?`.
pub(crate) fn parse(callback: &str) -> Result<Callback, ConnectError> {
    let malformed = |why: &str| ConnectError::MalformedCallback(why.to_owned());
    if callback.len() > MAX_CALLBACK_LEN {
        return Err(malformed(&format!(
            "it is longer than {MAX_CALLBACK_LEN} bytes"
        )));
    }
    let lower = callback.get(..8).unwrap_or(callback).to_ascii_lowercase();
    let (url, query) = if lower.starts_with("http://") || lower.starts_with("https://") {
        let url = Url::parse(callback).map_err(|e| malformed(&format!("not a URL: {e}")))?;
        let query = url.query().unwrap_or_default().to_owned();
        (Some(url), query)
    } else {
        let query = callback.strip_prefix('?').unwrap_or(callback);
        (None, query.to_owned())
    };
    let mut found = Callback {
        url,
        code: None,
        state: None,
        error: None,
        description: None,
    };
    for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
        let twice = || malformed(&format!("`{}` is given more than once", escape(&name)));
        match &*name {
            "authorization_code" if found.code.is_some() => return Err(twice()),
            "authorization_code" => found.code = Some(SecretString::new(value.into_owned())),
            "state" if found.state.is_some() => return Err(twice()),
            "state" => found.state = Some(SecretString::new(value.into_owned())),
            "error" if found.error.is_some() => return Err(twice()),
            "error" => found.error = Some(bounded(&value)),
            "error_description" if found.description.is_some() => return Err(twice()),
            "error_description" => found.description = Some(bounded(&value)),
            _ => {}
        }
    }
    Ok(found)
}

/// Server text made safe to show: control characters escaped, at most
/// [`MAX_DESCRIPTION`] bytes.
fn bounded(text: &str) -> String {
    let mut cut = text.len().min(MAX_DESCRIPTION);
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let mut shown = escape(&text[..cut]).into_owned();
    if cut < text.len() {
        shown.push('…');
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_a_url_or_a_query() {
        for callback in [
            "https://app.example.com/cb?authorization_code=c%2B1&state=s",
            "?authorization_code=c%2B1&state=s&extra=1",
            "state=s&authorization_code=c%2B1",
        ] {
            let read = parse(callback).unwrap();
            assert_eq!(read.code.unwrap().expose_secret(), "c+1", "{callback}");
            assert_eq!(read.state.unwrap().expose_secret(), "s");
            assert_eq!((read.error, read.description), (None, None));
        }
        let read = parse("https://app.example.com/cb").unwrap();
        assert!(read.code.is_none() && read.url.is_some());
    }

    #[test]
    fn refuses_repeats_and_oversized_input() {
        for name in ["authorization_code", "state", "error", "error_description"] {
            let error = parse(&format!("{name}=a&{name}=b")).unwrap_err();
            assert_eq!(
                error,
                ConnectError::MalformedCallback(format!("`{name}` is given more than once"))
            );
        }
        let long = format!("state={}", "a".repeat(MAX_CALLBACK_LEN));
        assert!(matches!(
            parse(&long),
            Err(ConnectError::MalformedCallback(_))
        ));
        assert!(matches!(
            parse("https://[bad/cb?state=x"),
            Err(ConnectError::MalformedCallback(_))
        ));
    }

    #[test]
    fn server_text_is_escaped_and_bounded() {
        let read = parse("error=x%1B%5B2J&error_description=%0Aline").unwrap();
        assert_eq!(read.error.as_deref(), Some("x\\u{1b}[2J"));
        assert_eq!(read.description.as_deref(), Some("\\nline"));
        let long = format!("error_description={}", "é".repeat(MAX_DESCRIPTION));
        let description = parse(&long).unwrap().description.unwrap();
        assert!(description.len() <= MAX_DESCRIPTION + '…'.len_utf8());
        assert!(description.ends_with('…'));
    }

    /// Bytes weighted toward what a callback's parser meets: separators, escapes,
    /// the parameter names, control characters, multi-byte characters.
    fn hostile() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            3 => prop::sample::select(vec![
                "authorization_code=", "state=", "error=", "error_description=", "&", "=",
                "?", "%", "%2", "%ZZ", "%00", "%1B", "+", "#", "https://", "http://h/",
                "é", "\u{202e}", "\n", "\u{0}",
            ]).prop_map(str::to_owned),
            2 => "[a-z0-9]{0,6}",
            1 => any::<String>(),
        ];
        prop::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        /// Whatever the input, parsing returns (no panic); what it keeps of server text
        /// is bounded and has no control character left. Exists for the `error` and
        /// `error_description` branch (their names are among the pieces, with `\n`,
        /// `\u{0}`, `%1B` and U+202E beside them) and for the refusals of a bad escape.
        #[test]
        fn any_input_is_read_or_refused_cleanly(input in hostile()) {
            if let Ok(read) = parse(&input) {
                for text in [read.error, read.description].into_iter().flatten() {
                    prop_assert!(text.len() <= MAX_DESCRIPTION * 10);
                    prop_assert!(!text.chars().any(char::is_control), "{text:?}");
                }
            }
        }
    }
}
