//! Unit tests of `auth::token`.

use super::*;

// Parsing takes the time as an argument; any fixed instant does.
fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

fn jwt(claims: &str) -> String {
    let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    format!(
        "{}.{}.{}",
        b64(r#"{"alg":"none"}"#),
        b64(claims),
        b64("sig")
    )
}

fn body(token: &str, rest: &str) -> Vec<u8> {
    format!(r#"{{"access_token":"{token}","token_type":"Bearer"{rest}}}"#).into_bytes()
}

#[test]
fn reads_lifetime_and_jti() {
    let token = jwt(r#"{"jti":"abc-123"}"#);
    let issued = parse_issued(&body(&token, r#","expires_in":3600"#), now()).unwrap();
    assert_eq!(issued.lifetime, Duration::from_secs(3600));
    assert_eq!(issued.id, TokenId::Jti("abc-123".into()));
    assert!(issued.header.is_sensitive());
}

#[test]
fn opaque_tokens_get_a_fingerprint() {
    let issued = parse_issued(&body("opaque-token", r#","expires_in":60"#), now()).unwrap();
    let TokenId::Fingerprint(hex) = &issued.id else {
        panic!("{:?}", issued.id)
    };
    assert_eq!(hex.len(), 12);
    assert!(!issued.id.to_string().contains("opaque"));
}

#[test]
fn missing_expires_in_uses_jwt_exp_then_the_default() {
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
    let token = jwt(r#"{"exp":1000120}"#);
    assert_eq!(
        parse_issued(&body(&token, ""), now).unwrap().lifetime,
        Duration::from_secs(120)
    );
    assert_eq!(
        parse_issued(&body("opaque", ""), now).unwrap().lifetime,
        DEFAULT_LIFETIME
    );
}

#[test]
fn a_huge_exp_is_capped_instead_of_overflowing() {
    // Issue 9, case 1: `UNIX_EPOCH + exp` overflowed and panicked the mint task.
    for exp in [
        "18446744073709551615",
        "9223372036854775807",
        "1e300",
        "253402300800",
    ] {
        let token = jwt(&format!(r#"{{"exp":{exp}}}"#));
        let issued = parse_issued(&body(&token, ""), now()).unwrap();
        assert_eq!(issued.lifetime, MAX_LIFETIME, "{exp}");
    }
    for odd in ["-1", "0", "1.5", "\"soon\"", "null", "1e-300", "NaN"] {
        let token = jwt(&format!(r#"{{"exp":{odd}}}"#));
        let issued = parse_issued(&body(&token, ""), now()).unwrap();
        assert_eq!(issued.lifetime, DEFAULT_LIFETIME, "{odd}");
    }
}

#[test]
fn absurd_lifetimes_are_capped_or_rejected() {
    let now = now();
    let huge = parse_issued(&body("t", r#","expires_in":9000000000000"#), now).unwrap();
    assert_eq!(huge.lifetime, MAX_LIFETIME);
    for bad in [r#","expires_in":0"#, r#","expires_in":-5"#] {
        let reason = parse_issued(&body("t", bad), now).unwrap_err();
        assert!(reason.contains("expires_in"), "{reason}");
    }
}

#[test]
fn malformed_bodies_never_echo_the_token() {
    let now = now();
    for bad in [
        br#"{"access_token":"leak-me","token_type":"Bearer","expires_in":"3600"}"#.to_vec(),
        br#"{"token_type":"Bearer"}"#.to_vec(),
        b"<html>leak-me</html>".to_vec(),
        Vec::new(),
        br#"{"access_token":"leak-me","token_type":"mac"}"#.to_vec(),
    ] {
        let reason = parse_issued(&bad, now).unwrap_err();
        assert!(!reason.contains("leak-me"), "{reason}");
    }
}

use proptest::prelude::*;

proptest::proptest! {
    /// Any `expires_in`, any `exp` (integer, float, huge, negative), any `jti`:
    /// no panic, and an accepted token lives between a second and a day.
    #[test]
    fn any_lifetime_claim_is_bounded(
        expires_in in proptest::option::of(proptest::num::i64::ANY),
        exp in proptest::option::of(proptest::prop_oneof![
            proptest::num::u64::ANY.prop_map(|n| n.to_string()),
            proptest::num::i64::ANY.prop_map(|n| n.to_string()),
            proptest::num::f64::ANY.prop_map(|f| format!("{f:e}")),
        ]),
        jti in "\\PC{0,300}",
        now_s in proptest::num::u64::ANY,
    ) {
        let now = SystemTime::UNIX_EPOCH
            .checked_add(Duration::from_secs(now_s))
            .unwrap_or(SystemTime::UNIX_EPOCH);
        let mut claims = serde_json::json!({ "jti": jti });
        if let Some(exp) = &exp {
            if let Ok(value) = serde_json::from_str::<serde_json::Value>(exp) {
                claims["exp"] = value;
            }
        }
        let token = jwt(&claims.to_string());
        let rest = expires_in.map(|s| format!(r#","expires_in":{s}"#)).unwrap_or_default();
        match parse_issued(&body(&token, &rest), now) {
            Ok(issued) => {
                prop_assert!(issued.lifetime >= Duration::from_secs(1) || expires_in.is_none());
                prop_assert!(issued.lifetime <= MAX_LIFETIME && !issued.lifetime.is_zero());
                prop_assert!(issued.id.to_string().chars().count() <= 128 + 7);
            }
            Err(reason) => prop_assert!(!reason.contains(&token), "{}", reason),
        }
    }
}
