//! `flowpayroll::webhook`: signatures against known answers made with Python's `hmac`
//! (`tests/webhook_vectors.py`), every malformed or wrong signature refused, rotation,
//! typed decoding after verification, and the bounded replay guard.

use std::time::Duration;

use flowpayroll::deps::http::{HeaderMap, HeaderValue};
use flowpayroll::types::EmployeesChanged;
use flowpayroll::webhook::{
    sign, ReplayGuard, Verifier, WebhookError, SIGNATURE_HEADER, UPSTREAM_SIGNATURE_HEADER,
};
use flowpayroll::SecretString;
use proptest::prelude::*;

/// The output of `python3 tests/webhook_vectors.py` (Python 3.11.7): secret, body,
/// `hmac.new(secret, body, hashlib.sha256).hexdigest()`.
const VECTORS: [(&str, &[u8], &str); 4] = [
    (
        "ffffffff-ffffffff-ffffffff-ffffffff",
        br#"{"added":[],"removed":[],"updated":[]}"#,
        "fdb55dd633afccc250ce91438c3357a8a48b7053e75164e2bf6b00610994c56c",
    ),
    (
        "sandbox-secret",
        br#"{"added":[{"employee_number":"57993","first_name":"Daija"}],"removed":[],"updated":[]}"#,
        "895b2621d0d16017edf46612e3fbb7266be599ec1233fa01a0a52815c99c34be",
    ),
    (
        "k",
        b"",
        "8bb990c40a7d61cb97597a942125025be50ac8beb74436e3735b98893a7f6620",
    ),
    (
        "\u{e9}t\u{e9}-secret",
        "{\"note\": \"caf\u{e9}\"}\n".as_bytes(),
        "c19ed06a573005696b41b13f69dd3e2a14ab019a1577f48b4af8476716e16b2e",
    ),
];

const SECRET: &str = "ffffffff-ffffffff-ffffffff-ffffffff";
const BODY: &[u8] = br#"{"added":[],"removed":[],"updated":[]}"#;
const SIGNATURE: &str = "fdb55dd633afccc250ce91438c3357a8a48b7053e75164e2bf6b00610994c56c";

fn headers(name: &str, value: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        flowpayroll::deps::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
        HeaderValue::from_str(value).unwrap(),
    );
    headers
}

fn verifier() -> Verifier {
    Verifier::new(SecretString::new(SECRET))
}

#[test]
fn sign_matches_python_hmac_and_each_vector_verifies() {
    for (secret, body, expected) in VECTORS {
        let secret = SecretString::new(secret);
        assert_eq!(sign(&secret, body), expected);
        Verifier::new(secret)
            .verify(body, &headers(SIGNATURE_HEADER, expected))
            .unwrap();
    }
}

#[test]
fn the_upstream_header_name_is_read_when_flow_payrolls_is_absent() {
    verifier()
        .verify(BODY, &headers(UPSTREAM_SIGNATURE_HEADER, SIGNATURE))
        .unwrap();
    assert_eq!(
        verifier().verify(BODY, &HeaderMap::new()),
        Err(WebhookError::MissingSignature)
    );
}

#[test]
fn lowercase_hex_verifies_and_uppercase_is_malformed() {
    verifier().verify_signature(BODY, SIGNATURE).unwrap();
    // Accepting both cases would let a flip of the case bit (0x20) still verify.
    for signature in [
        SIGNATURE.to_ascii_uppercase(),
        format!("{}F", &SIGNATURE[..63]),
    ] {
        assert_eq!(
            verifier().verify_signature(BODY, &signature),
            Err(WebhookError::MalformedSignature(
                "it holds uppercase hex; signatures are lowercase"
            ))
        );
    }
}

#[test]
fn malformed_signatures_are_refused_before_any_comparison() {
    let malformed = [
        String::new(),
        SIGNATURE[..63].to_owned(),
        format!("{SIGNATURE}0"),
        SIGNATURE[..32].to_owned(),
        format!("{}g", &SIGNATURE[..63]),
        format!("v1,{}", &SIGNATURE[..61]),
        format!(" {}", &SIGNATURE[..63]),
    ];
    for signature in &malformed {
        assert!(
            matches!(
                verifier().verify_signature(BODY, signature),
                Err(WebhookError::MalformedSignature(_))
            ),
            "{signature:?}"
        );
    }
}

#[test]
fn another_body_or_reserialised_json_is_a_mismatch_with_the_raw_body_hint() {
    let mut changed = BODY.to_vec();
    changed[3] = b'b';
    let spaced = br#"{"added": [], "removed": [], "updated": []}"#;
    for body in [&changed[..], &spaced[..], b""] {
        let error = verifier().verify_signature(body, SIGNATURE).unwrap_err();
        assert_eq!(error, WebhookError::Mismatch);
        assert!(error.to_string().contains("raw body"), "{error}");
    }
}

#[test]
fn during_a_rotation_old_and_new_secrets_pass_and_a_third_fails() {
    let old = SecretString::new("old-secret");
    let new = SecretString::new("new-secret");
    let verifier = Verifier::new(old.clone()).with_secret(new.clone());
    verifier.verify_signature(BODY, &sign(&old, BODY)).unwrap();
    verifier.verify_signature(BODY, &sign(&new, BODY)).unwrap();
    let third = sign(SecretString::new("third-secret"), BODY);
    assert_eq!(
        verifier.verify_signature(BODY, &third),
        Err(WebhookError::Mismatch)
    );
    let listed = Verifier::from_secrets([old, new]).unwrap();
    assert_eq!(
        listed.verify_signature(BODY, &third),
        Err(WebhookError::Mismatch)
    );
    assert!(Verifier::from_secrets(Vec::<SecretString>::new()).is_none());
}

#[test]
fn verify_json_decodes_only_after_the_signature_passed() {
    let change: EmployeesChanged = verifier()
        .verify_json(BODY, &headers(SIGNATURE_HEADER, SIGNATURE))
        .unwrap();
    assert_eq!(
        (
            change.added.len(),
            change.removed.len(),
            change.updated.len()
        ),
        (0, 0, 0)
    );
    // Wrong signature: refused as a mismatch, not as a payload error.
    let bad = br#"{"added": 7}"#;
    assert_eq!(
        verifier().verify_json::<EmployeesChanged>(bad, &headers(SIGNATURE_HEADER, SIGNATURE)),
        Err(WebhookError::Mismatch)
    );
}

#[test]
fn a_signed_body_of_the_wrong_shape_names_path_and_type_never_a_value() {
    let secret = SecretString::new(SECRET);
    let body = br#"{"added":[],"removed":"hunter2-secret-value","updated":[]}"#;
    let error = verifier()
        .verify_json::<EmployeesChanged>(body, &headers(SIGNATURE_HEADER, &sign(&secret, body)))
        .unwrap_err();
    let WebhookError::Payload { reason } = &error else {
        panic!("{error:?}")
    };
    assert!(reason.contains("removed"), "{reason}");
    assert!(reason.contains("expected"), "{reason}");
    assert!(!error.to_string().contains("hunter2"), "{error}");
}

#[test]
fn secrets_never_appear_in_debug_or_errors() {
    let verifier = Verifier::new(SecretString::new(SECRET)).with_secret("second-secret");
    assert_eq!(format!("{verifier:?}"), "Verifier { secrets: 2 }");
    let error = flowpayroll::Error::from(verifier.verify_signature(BODY, "00").unwrap_err());
    assert!(matches!(
        error,
        flowpayroll::Error::Webhook(WebhookError::MalformedSignature(_))
    ));
    for text in [format!("{error}"), format!("{error:?}")] {
        assert!(
            !text.contains(SECRET) && !text.contains("second-secret"),
            "{text}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Exists for the two refusals of `verify_signature`: a body changed by one bit
    /// (`Mismatch`, exactly) and a signature changed by one bit (mismatch or malformed).
    /// `flip_body` picks the branch half the time; an empty body takes the signature one.
    #[test]
    fn any_single_bit_flip_of_body_or_signature_fails(
        body in proptest::collection::vec(any::<u8>(), 0..200),
        flip_body in any::<bool>(),
        position in any::<usize>(),
        bit in 0u8..8,
    ) {
        let secret = SecretString::new(SECRET);
        let signature = sign(&secret, &body);
        let verifier = Verifier::new(secret);
        prop_assert_eq!(verifier.verify_signature(&body, &signature), Ok(()));
        if flip_body && !body.is_empty() {
            let mut flipped = body.clone();
            flipped[position % body.len()] ^= 1 << bit;
            prop_assert_eq!(verifier.verify_signature(&flipped, &signature), Err(WebhookError::Mismatch));
        } else {
            let mut flipped = signature.into_bytes();
            let at = position % flipped.len();
            flipped[at] ^= 1 << bit;
            // A flipped bit gives another lowercase digit (a mismatch) or something else
            // (malformed): never Ok.
            let flipped = String::from_utf8_lossy(&flipped).into_owned();
            prop_assert!(verifier.verify_signature(&body, &flipped).is_err());
        }
    }
}

#[tokio::test(start_paused = true)]
async fn the_replay_guard_refuses_a_second_copy_within_its_window_only() {
    let guard = ReplayGuard::new(Duration::from_secs(60), 100);
    assert!(guard.is_empty());
    guard.check(BODY).unwrap();
    assert!(!guard.is_empty());
    assert_eq!(guard.check(BODY), Err(WebhookError::Replayed));
    guard.check(b"another body").unwrap();
    assert_eq!(guard.len(), 2);
    // Remembered for less than the window, forgotten once exactly the window passed.
    tokio::time::advance(Duration::from_secs(60) - Duration::from_millis(1)).await;
    assert_eq!(guard.check(BODY), Err(WebhookError::Replayed));
    tokio::time::advance(Duration::from_millis(1)).await;
    guard.check(BODY).unwrap();
    assert_eq!(
        guard.len(),
        1,
        "both old entries expired, the new one is kept"
    );
}

#[tokio::test(start_paused = true)]
async fn the_replay_guard_holds_at_most_its_capacity_forgetting_the_oldest() {
    let guard = ReplayGuard::new(Duration::from_secs(3600), 3);
    for n in 0..10u8 {
        guard.check(&[n]).unwrap();
        assert!(guard.len() <= 3);
    }
    assert_eq!(guard.len(), 3);
    assert_eq!(guard.check(&[9]), Err(WebhookError::Replayed));
    // The oldest were forgotten to stay within the bound.
    guard.check(&[0]).unwrap();
}
