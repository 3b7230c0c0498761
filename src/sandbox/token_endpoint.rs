//! `POST /oauth2/token`: the client-credentials grant (RFC 6749 §4.4), scopes, and the
//! JWT-shaped tokens the sandbox issues.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine as _;
use serde::Serialize;
use serde_json::json;

use super::answer::{answer, example};
use super::tokens::NewToken;
use super::{lock, State};
use crate::generated::model::open_enums::{Mode, Provider, Scope};
use crate::generated::model::Operation;

/// Answers a token request whose form body is `body`.
pub(super) fn request_token(state: &State, headers: &HeaderMap, body: &[u8]) -> Response {
    let form: Vec<(String, String)> = url::form_urlencoded::parse(body).into_owned().collect();
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let basic = basic_credentials(headers);
    match field("grant_type") {
        Some("client_credentials") => {}
        None => return oauth_error(400, "invalid_request", "grant_type is missing.", false),
        Some(_) => {
            return oauth_error(
                400,
                "unsupported_grant_type",
                "Only the client_credentials grant is supported.",
                false,
            )
        }
    }
    let (id, secret) = match &basic {
        Some((id, secret)) => (id.as_str(), secret.as_str()),
        None => (
            field("client_id").unwrap_or_default(),
            field("client_secret").unwrap_or_default(),
        ),
    };
    if !lock(&state.account).accepts(id, secret) {
        return oauth_error(
            401,
            "invalid_client",
            "Client authentication failed.",
            basic.is_some(),
        );
    }
    let scopes = match granted_scopes(&state.allowed_scopes, field("scope")) {
        Ok(scopes) => scopes,
        Err(()) => {
            return oauth_error(
                400,
                "invalid_scope",
                "The requested scope is not granted to this client.",
                false,
            )
        }
    };
    let issued = issue(state, scopes, None, state.config.provider.clone());
    let body = TokenAnswer {
        access_token: &issued.token,
        token_type: "Bearer",
        expires_in: issued.lifetime,
        scope: &issued.scope,
    };
    let mut response = (StatusCode::OK, Json(body)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// A token answer (RFC 6749 §5.1).
#[derive(Serialize)]
struct TokenAnswer<'a> {
    access_token: &'a str,
    token_type: &'a str,
    expires_in: u64,
    scope: &'a str,
}

/// The claims of an issued token.
#[derive(Serialize)]
struct Claims<'a> {
    jti: &'a str,
    iat: u64,
    exp: u64,
    scope: &'a str,
    sub: &'a str,
}

/// The scopes a request gets: those asked for (space-separated, duplicates dropped) if
/// every one is allowed, all allowed scopes if none is asked for.
fn granted_scopes(allowed: &Arc<[Scope]>, asked: Option<&str>) -> Result<Arc<[Scope]>, ()> {
    let asked: Vec<&str> = asked
        .unwrap_or_default()
        .split(' ')
        .filter(|s| !s.is_empty())
        .collect();
    if asked.is_empty() {
        return Ok(Arc::clone(allowed));
    }
    let mut granted: Vec<Scope> = Vec::with_capacity(asked.len());
    for scope in asked {
        let scope = allowed.iter().find(|s| s.as_str() == scope).ok_or(())?;
        if !granted.contains(scope) {
            granted.push(scope.clone());
        }
    }
    Ok(granted.into())
}

/// A token just issued.
pub(super) struct Minted {
    pub(super) token: String,
    /// Seconds.
    pub(super) lifetime: u64,
    pub(super) mode: Mode,
    /// The granted scopes, space-separated.
    pub(super) scope: String,
}

/// Issues and records a token with `scopes` for `provider`; its mode is `mode`, else
/// the one its scopes name.
pub(super) fn issue(
    state: &State,
    scopes: Arc<[Scope]>,
    mode: Option<Mode>,
    provider: Provider,
) -> Minted {
    let config = &state.config;
    let jti = new_jti();
    let lifetime = config.token_lifetime.as_secs().max(1);
    let iat = state
        .system_now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let scope = scopes
        .iter()
        .map(Scope::as_str)
        .collect::<Vec<_>>()
        .join(" ");
    let claims = Claims {
        jti: &jti,
        iat,
        exp: iat.saturating_add(lifetime),
        scope: &scope,
        sub: &config.client_id,
    };
    let claims = serde_json::to_vec(&claims).expect("claims serialize");
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let signature = [
        fastrand::u128(..).to_le_bytes(),
        fastrand::u128(..).to_le_bytes(),
    ]
    .concat();
    let token = format!(
        "{}.{}.{}",
        b64(br#"{"alg":"none","typ":"JWT"}"#),
        b64(&claims),
        b64(&signature)
    );
    let mode = if let Some(mode) = mode {
        mode
    } else if Arc::ptr_eq(&scopes, &state.allowed_scopes) {
        state.allowed_mode.clone()
    } else {
        mode_of(&scopes).unwrap_or_else(|| config.mode.clone())
    };
    let new = NewToken {
        jti,
        mode: mode.clone(),
        provider,
        scopes,
        created_at: state.system_now(),
        lifetime: config.token_lifetime.max(std::time::Duration::from_secs(1)),
    };
    lock(&state.tokens).insert(token.clone(), new, state.now());
    state.counters.tokens_issued.fetch_add(1, Ordering::SeqCst);
    Minted {
        token,
        lifetime,
        mode,
        scope,
    }
}

/// A token id of the documented shape: four groups of eight hex digits.
fn new_jti() -> String {
    let n = fastrand::u128(..);
    let hex = format!("{n:032x}");
    format!(
        "{}-{}-{}-{}",
        &hex[..8],
        &hex[8..16],
        &hex[16..24],
        &hex[24..]
    )
}

/// The mode every scope names (`/2023-03-01/<mode>/...`), if they all name the same one.
pub(super) fn mode_of(scopes: &[Scope]) -> Option<Mode> {
    let mut modes = scopes
        .iter()
        .map(|scope| scope.as_str().split('/').nth(2).map(Mode::from));
    let first = modes.next()??;
    first.is_known().then_some(())?;
    modes.all(|m| m.as_ref() == Some(&first)).then_some(first)
}

/// An RFC 6749 §5.2 error with the spec's example body for the status as a base.
fn oauth_error(status: u16, code: &str, description: &str, basic: bool) -> Response {
    let mut body = example(Operation::RequestToken, status);
    body["error"] = json!(code);
    body["error_description"] = json!(description);
    let mut response = answer(status, body);
    if basic {
        // RFC 6749 §5.2: a client that authenticated with the Authorization header is
        // told which scheme to use.
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"flowpayroll-sandbox\""),
        );
    }
    response
}

/// `Authorization: Basic` credentials, each part form-urldecoded (RFC 6749 §2.3.1).
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Basic ")?;
    let decoded = String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(value.trim())
            .ok()?,
    )
    .ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let decode = |s: &str| {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    Some((decode(id)?, decode(secret)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever arrives as a form body and an `Authorization` header, the token
        /// endpoint answers 400 or 401 without panicking, and issues nothing. Exists
        /// for the refusal branches: a body without a grant (400) and, with
        /// `with_grant` prepending one, credentials that do not decode or match (401).
        #[test]
        fn any_request_is_refused_cleanly(
            body in proptest::collection::vec(any::<u8>(), 0..512),
            authorization in proptest::collection::vec(32u8..127, 0..128),
            with_grant in any::<bool>(),
        ) {
            let state = State::new(super::super::config::SandboxConfig::default());
            let mut body = body;
            if with_grant {
                body.splice(0..0, b"grant_type=client_credentials&".iter().copied());
            }
            let mut headers = HeaderMap::new();
            let mut value = b"Basic ".to_vec();
            value.extend(&authorization);
            if let Ok(value) = HeaderValue::from_bytes(&value) {
                headers.insert(header::AUTHORIZATION, value);
            }
            let status = request_token(&state, &headers, &body).status().as_u16();
            prop_assert!(status == 400 || status == 401, "{status}");
            prop_assert_eq!(lock(&state.tokens).len(), 0);
        }

        /// Exists for the three outcomes of `granted_scopes` (nothing asked: all
        /// allowed; all allowed: granted in order without repeats; one not: refused).
        /// Scopes asked for from the known ones (and now and then an unknown word),
        /// against a random set of allowed ones: granted, in the order asked without
        /// repeats, exactly when every one asked for is allowed; otherwise refused.
        #[test]
        fn any_scope_is_granted_within_the_allowed_or_refused(
            allowed in prop::sample::subsequence(Scope::KNOWN.to_vec(), 1..=Scope::KNOWN.len()),
            asked in prop::collection::vec(
                prop_oneof![
                    6 => prop::sample::select(Scope::KNOWN.to_vec()),
                    1 => Just("census"),
                ],
                0..6,
            ),
            separator in prop::sample::select(vec![" ", "  "]),
        ) {
            let allowed_scopes: Arc<[Scope]> = allowed.iter().map(|s| Scope::from(*s)).collect();
            let result = granted_scopes(&allowed_scopes, Some(&asked.join(separator)));
            if asked.is_empty() {
                prop_assert_eq!(result, Ok(allowed_scopes));
            } else if asked.iter().all(|s| allowed.contains(s)) {
                let mut expected: Vec<&str> = Vec::new();
                for s in &asked {
                    if !expected.contains(s) {
                        expected.push(s);
                    }
                }
                let granted = result.expect("every scope asked for is allowed");
                let granted: Vec<&str> = granted.iter().map(Scope::as_str).collect();
                prop_assert_eq!(granted, expected);
            } else {
                prop_assert_eq!(result, Err(()));
            }
        }
    }

    fn scopes(values: &[&str]) -> Vec<Scope> {
        values.iter().map(|s| Scope::from(*s)).collect()
    }

    #[test]
    fn scopes_asked_for_are_granted_only_if_all_are_allowed() {
        let allowed: Arc<[Scope]> =
            scopes(&["/2023-03-01/xhr/employees", "/2023-03-01/xhr/payruns"]).into();
        assert_eq!(granted_scopes(&allowed, None), Ok(allowed.clone()));
        assert_eq!(granted_scopes(&allowed, Some("  ")), Ok(allowed.clone()));
        assert_eq!(
            granted_scopes(
                &allowed,
                Some("/2023-03-01/xhr/payruns /2023-03-01/xhr/payruns")
            ),
            Ok(scopes(&["/2023-03-01/xhr/payruns"]).into())
        );
        assert_eq!(
            granted_scopes(&allowed, Some("/2023-03-01/xhr/payruns census")),
            Err(())
        );
    }

    #[test]
    fn the_mode_is_the_one_all_scopes_name() {
        let xhr = scopes(&["/2023-03-01/xhr/employees", "/2023-03-01/xhr/payruns"]);
        assert_eq!(mode_of(&xhr), Some(Mode::Xhr));
        let mixed = scopes(&["/2023-03-01/xhr/employees", "/2023-03-01/official/company"]);
        assert_eq!(mode_of(&mixed), None);
        assert_eq!(mode_of(&scopes(&["identity"])), None);
        assert_eq!(mode_of(&[]), None);
    }

    #[test]
    fn token_ids_have_the_documented_shape() {
        let jti = new_jti();
        let groups: Vec<&str> = jti.split('-').collect();
        assert_eq!(groups.len(), 4);
        assert!(groups
            .iter()
            .all(|g| g.len() == 8 && g.bytes().all(|b| b.is_ascii_hexdigit())));
    }
}
