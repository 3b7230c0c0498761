//! Masking secrets in server text. Whatever a server sends back may echo what it was
//! sent (a gateway that quotes the request, a double-encoded token response): [`mask`]
//! replaces the client's own secrets (its client secret, the token of the call) in a
//! body before any of it is kept, in the forms a server may echo them: as sent,
//! form-urlencoded, percent-encoded, JSON-escaped, and as the Basic credentials.
//! Terminal control sequences in the same text are [`terminal`](super::terminal)'s job.

use std::borrow::Cow;

use base64::Engine as _;

/// What a masked secret is replaced with.
pub(crate) const REDACTED: &str = "[redacted]";

/// Secrets shorter than this are not searched for: masking every `a` in a body would
/// hide the body, not a secret.
const MIN_SECRET_LEN: usize = 6;

/// `body` with every echo of each of `secrets` replaced by [`REDACTED`].
pub(crate) fn mask<'a>(body: &'a [u8], secrets: &[&str]) -> Cow<'a, [u8]> {
    let mut body = Cow::Borrowed(body);
    for secret in secrets.iter().filter(|s| s.len() >= MIN_SECRET_LEN) {
        for form in forms(secret) {
            if let Some(replaced) = replace_all(&body, form.as_bytes(), REDACTED.as_bytes()) {
                body = Cow::Owned(replaced);
            }
        }
    }
    body
}

/// The forms in which `secret` may come back.
fn forms(secret: &str) -> Vec<String> {
    let form_encoded: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    let percent_encoded = form_encoded.replace('+', "%20");
    let json = serde_json::to_string(secret).unwrap_or_default();
    let json = json.trim_matches('"').to_owned();
    // The Basic credentials carry `id:secret` in base64; the secret's own base64 is the
    // part that stays the same whatever the id (when aligned), so mask that too.
    let base64 = base64::engine::general_purpose::STANDARD_NO_PAD.encode(secret);
    let mut forms = vec![
        secret.to_owned(),
        form_encoded,
        percent_encoded,
        json,
        base64,
    ];
    forms.sort();
    forms.dedup();
    // Longest first, so that a form that contains another is replaced whole.
    forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
    forms.retain(|f| f.len() >= MIN_SECRET_LEN);
    forms
}

fn replace_all(haystack: &[u8], needle: &[u8], with: &[u8]) -> Option<Vec<u8>> {
    let first = find(haystack, needle)?;
    let mut out = Vec::with_capacity(haystack.len());
    out.extend_from_slice(&haystack[..first]);
    out.extend_from_slice(with);
    let mut rest = &haystack[first + needle.len()..];
    while let Some(at) = find(rest, needle) {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(with);
        rest = &rest[at + needle.len()..];
    }
    out.extend_from_slice(rest);
    Some(out)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || needle.len() > haystack.len() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SECRET: &str = "s3cr+t/Zq9 \"x\"";

    #[test]
    fn masks_every_echoed_form_of_a_secret() {
        let echoes = [
            format!("client_secret={}", "s3cr%2Bt%2FZq9+%22x%22"),
            "s3cr%2Bt%2FZq9%20%22x%22".to_owned(),
            r#"{"client_secret":"s3cr+t/Zq9 \"x\""}"#.to_owned(),
            SECRET.to_owned(),
        ];
        for echo in echoes {
            let masked = mask(echo.as_bytes(), &[SECRET]);
            let text = String::from_utf8_lossy(&masked);
            assert!(text.contains(REDACTED), "{text}");
            assert!(!text.contains("Zq9"), "{text}");
        }
        assert!(matches!(mask(b"nothing here", &[SECRET]), Cow::Borrowed(_)));
        assert!(matches!(mask(b"a b c", &["a"]), Cow::Borrowed(_)));
    }

    #[test]
    fn masks_every_occurrence_and_keeps_the_text_between() {
        // Hand-written expectations: each echo replaced, the text around it kept byte for byte.
        let masked = mask(b"<s3cret9>-<s3cret9>s3cret9!", &["s3cret9"]);
        assert_eq!(&*masked, b"<[redacted]>-<[redacted]>[redacted]!".as_slice());
        assert_eq!(
            replace_all(b"xxABxABABy", b"AB", b"_").as_deref(),
            Some(b"xx_x__y".as_slice())
        );
        assert_eq!(replace_all(b"no match", b"AB", b"_"), None);
    }

    #[test]
    fn find_handles_empty_and_whole_needles() {
        assert_eq!(find(b"abc", b""), None);
        assert_eq!(find(b"", b""), None);
        assert_eq!(find(b"abc", b"abc"), Some(0));
        assert_eq!(find(b"ab", b"abc"), None);
        assert_eq!(find(b"zabc", b"bc"), Some(2));
    }

    proptest! {
        #[test]
        fn a_masked_body_never_contains_the_secret(
            prefix in any::<Vec<u8>>(),
            suffix in any::<Vec<u8>>(),
            secret in "[ -~]{6,40}",
        ) {
            let body = [prefix, secret.as_bytes().to_vec(), suffix].concat();
            let masked = mask(&body, &[&secret]);
            prop_assert!(find(&masked, secret.as_bytes()).is_none());
        }
    }
}
