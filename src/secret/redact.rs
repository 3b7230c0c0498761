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
    // Exactly the enclosing quotes: `trim_matches` also took the escaped quote of a
    // secret ending in `"`, leaving that quote unmasked (found by the property below).
    let json = serde_json::to_string(secret).unwrap_or_default();
    let json = json
        .strip_prefix('"')
        .and_then(|j| j.strip_suffix('"'))
        .unwrap_or_default()
        .to_owned();
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
    fn a_secret_ending_in_a_quote_is_masked_whole_in_json() {
        let masked = mask(br#"{"secret":"ab\"cd\""}"#, &["ab\"cd\""]);
        assert_eq!(&*masked, br#"{"secret":"[redacted]"}"#.as_slice());
    }

    #[test]
    fn find_handles_empty_and_whole_needles() {
        assert_eq!(find(b"abc", b""), None);
        assert_eq!(find(b"", b""), None);
        assert_eq!(find(b"abc", b"abc"), Some(0));
        assert_eq!(find(b"ab", b"abc"), None);
        assert_eq!(find(b"zabc", b"bc"), Some(2));
    }

    /// The forms `mask` promises, made here without `forms` (the URL ones by hand): as
    /// sent, form-urlencoded, percent-encoded, JSON-escaped, base64 (the Basic part).
    fn encodings(secret: &str) -> [String; 5] {
        let url = |space: &str| {
            secret.bytes().fold(String::new(), |mut out, b| {
                match b {
                    b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                        out.push(char::from(b))
                    }
                    b' ' => out.push_str(space),
                    b => out.push_str(&format!("%{b:02X}")),
                }
                out
            })
        };
        let json = serde_json::to_string(secret).unwrap();
        [
            secret.to_owned(),
            url("+"),
            url("%20"),
            json[1..json.len() - 1].to_owned(),
            base64::engine::general_purpose::STANDARD_NO_PAD.encode(secret),
        ]
    }

    /// A secret of 6 to 24 ASCII characters weighted toward the ones each encoding
    /// changes (space, `+`, `/`, `"`, backslash, `%`, `&`, `=`, controls).
    fn secret() -> impl Strategy<Value = String> {
        let one = prop_oneof![
            3 => proptest::char::range('a', 'z'),
            1 => proptest::char::range('0', '9'),
            3 => proptest::sample::select(vec![' ', '+', '/', '"', '\\', '%', '&', '=', '\u{1}', '\n', '\t']),
            1 => proptest::char::range(' ', '~'),
        ];
        proptest::collection::vec(one, 6..=24).prop_map(String::from_iter)
    }

    /// A body: 0 to 3 copies of each of the five encodings of the secret, in any
    /// order, between runs of non-ASCII filler (which no encoding of an ASCII secret
    /// contains, so every match is one of the copies). Returns the body, the body as
    /// masking must leave it, and the number of copies of each encoding.
    fn body_with_copies() -> impl Strategy<Value = (String, Vec<u8>, Vec<u8>, [usize; 5])> {
        let filler = || proptest::collection::vec(0x80u8..=0xff, 1..8);
        (
            secret(),
            [0usize..=3, 0usize..=3, 0usize..=3, 0usize..=3, 0usize..=3],
        )
            .prop_flat_map(move |(secret, counts)| {
                let order: Vec<usize> = (0..5).flat_map(|k| vec![k; counts[k]]).collect();
                let n = order.len();
                (
                    Just(secret),
                    Just(order).prop_shuffle(),
                    proptest::collection::vec(filler(), n + 1),
                    Just(counts),
                )
            })
            .prop_map(|(secret, order, fillers, counts)| {
                let forms = encodings(&secret);
                let (mut body, mut masked) = (fillers[0].clone(), fillers[0].clone());
                for (k, filler) in order.iter().zip(&fillers[1..]) {
                    body.extend_from_slice(forms[*k].as_bytes());
                    masked.extend_from_slice(REDACTED.as_bytes());
                    body.extend_from_slice(filler);
                    masked.extend_from_slice(filler);
                }
                (secret, body, masked, counts)
            })
    }

    proptest! {
        /// Exists for the replacement loop of every form (0 to 3 copies of each
        /// encoding per body): the masked body is exactly the body with each copy
        /// replaced, the filler kept byte for byte, and no encoding left.
        #[test]
        fn every_copy_of_every_encoding_is_masked_exactly((secret, body, want, _counts) in body_with_copies()) {
            let forms = encodings(&secret);
            // A secret inside the marker itself (`redact`) is masked twice over, which
            // hides nothing more; the exact comparison does not hold for it.
            prop_assume!(forms.iter().all(|f| !REDACTED.contains(f.as_str())));
            let masked = mask(&body, &[&secret]);
            prop_assert_eq!(&*masked, want.as_slice());
            for form in &forms {
                prop_assert!(find(&masked, form.as_bytes()).is_none(), "{:?} left", form);
            }
            prop_assert_eq!(matches!(masked, Cow::Borrowed(_)), body == want);
        }

        /// Any bytes around the secret (the secret may merge with them): none left.
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

    /// Reachability: over 256 deterministic cases, each encoding comes 0, 1, 2 and 3
    /// times, and each differs from the secret as sent in some case (so its own
    /// replacement runs, not the raw one's).
    #[test]
    fn the_body_generator_draws_0_to_3_copies_of_each_distinct_encoding() {
        use proptest::strategy::ValueTree as _;
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let strategy = body_with_copies();
        let mut seen = [[false; 4]; 5];
        let mut distinct = [false; 5];
        for _ in 0..256 {
            let (secret, _, _, counts) = strategy.new_tree(&mut runner).unwrap().current();
            let forms = encodings(&secret);
            for k in 0..5 {
                seen[k][counts[k]] = true;
                distinct[k] |= counts[k] > 0
                    && forms[k] != secret
                    && forms[..k].iter().all(|f| *f != forms[k]);
            }
        }
        assert_eq!(seen, [[true; 4]; 5]);
        assert_eq!(distinct, [false, true, true, true, true]);
    }
}
