//! One client-credentials token request (RFC 6749 §4.4) and the validation of its answer.
//!
//! The request body is the spec's `ClientCredentialsGrant`, the answer is decoded into the
//! spec's `AccessTokenResponse` or, for an error status, into the error body the spec
//! documents (`OAuthError`). Redirects are never followed (the shared HTTP client has
//! redirects off), so credentials cannot be bounced to another host.
//!
//! # The lifetime rule
//!
//! * `expires_in` present and positive: the token lives that many seconds from when the
//!   request was sent, capped at [`MAX_LIFETIME`] (a token claiming to live for years is
//!   still refreshed daily).
//! * `expires_in` absent: the JWT `exp` claim, if the token is a JWT with one, else
//!   [`DEFAULT_LIFETIME`]. A 401 re-mints the token anyway if the guess was too long.
//! * `expires_in` zero or negative: the response is rejected, since such a token cannot
//!   be used.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use reqwest::header::{HeaderValue, ACCEPT, AUTHORIZATION};
use sha2::Digest as _;
use url::Url;

use crate::config::TokenAuthMethod;
use crate::error::cause_of::Stage;
use crate::error::decode_reason::describe_decode_failure;
use crate::error::Error;
use crate::generated::model::types::{
    AccessTokenResponse, ClientCredentialsGrant, ClientCredentialsGrantType,
};
use crate::response;
use crate::secret::SecretString;
use crate::transport::body::{read_capped, ERROR_BODY_LIMIT, TOKEN_BODY_LIMIT};
use crate::transport::failure::request_error;
use crate::transport::http_client::Timeouts;
use crate::transport::middleware::failure::Failure;
use crate::transport::middleware::next::Guard;
use crate::transport::middleware::Stack;

/// The operation id of the token endpoint in the spec.
pub(crate) const OPERATION: crate::generated::model::Operation =
    crate::generated::model::Operation::RequestToken;
/// The lifetime assumed when the response gives neither `expires_in` nor a JWT `exp`.
pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(300);
/// The longest lifetime the client believes.
pub const MAX_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// A token as it was issued, validated.
#[derive(Debug)]
pub(crate) struct IssuedToken {
    /// The `X-Auth-Token` value, marked sensitive.
    pub header: HeaderValue,
    /// What identifies the token in logs.
    pub id: TokenId,
    /// How long the token lives from when it was requested.
    pub lifetime: Duration,
}

/// What names a token in logs: its `jti` claim, or a fingerprint when it has none.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenId {
    /// The JWT `jti` claim (read without verifying the signature: it is only a label).
    Jti(String),
    /// The first 12 hex digits of the SHA-256 of the token: enough to correlate log
    /// lines, useless to recover the token.
    Fingerprint(String),
}

/// Shows the `jti` with control characters escaped (it is server text), like every
/// `Display` of this crate.
impl fmt::Display for TokenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenId::Jti(jti) => write!(f, "{}", crate::secret::terminal::Escaped(jti)),
            TokenId::Fingerprint(hex) => write!(f, "sha256:{hex}"),
        }
    }
}

impl TokenId {
    /// The id for a log line: control characters escaped.
    pub(crate) fn logged(&self) -> String {
        crate::secret::terminal::escape(&self.to_string()).into_owned()
    }
}

/// Everything needed to ask the token endpoint for a token.
#[derive(Debug)]
pub(crate) struct TokenEndpoint {
    pub http: reqwest::Client,
    pub url: Url,
    pub client_id: String,
    pub client_secret: SecretString,
    pub method: TokenAuthMethod,
    pub scope: Option<String>,
    /// `request` is the token request's own limit (the builder's `token_timeout`).
    pub timeouts: Timeouts,
    /// The application's middleware layers, when it has any.
    pub stack: Option<Arc<Stack>>,
}

impl TokenEndpoint {
    /// Sends one token request and validates the answer; `now` is the wall-clock time,
    /// for `Retry-After` dates and JWT `exp` claims.
    pub async fn request(&self, now: SystemTime) -> Result<IssuedToken, Error> {
        let post = self.method == TokenAuthMethod::ClientSecretPost;
        let form = ClientCredentialsGrant {
            grant_type: ClientCredentialsGrantType::ClientCredentials,
            scope: self.scope.clone(),
            client_id: post.then(|| self.client_id.clone()),
            client_secret: post.then(|| self.client_secret.clone()),
        };
        let response = match &self.stack {
            None => {
                let mut request = self.post(&form);
                if !post {
                    request = request.header(AUTHORIZATION, self.basic_authorization());
                }
                request.send().await.map_err(|source| {
                    request_error(OPERATION, source, self.timeouts, Stage::Send)
                })?
            }
            Some(stack) => Box::pin(self.send_through(stack, form)).await?,
        };
        let secrets = [self.client_secret.expose_secret()];
        let status = response.status();
        let headers = response.headers().clone();
        let limit = if status.is_success() {
            TOKEN_BODY_LIMIT
        } else {
            ERROR_BODY_LIMIT
        };
        let body = read_capped(response, limit)
            .await
            // reqwest keeps no URL on body errors: the host goes back in for the message.
            .map_err(|source| {
                let source = source.with_url(self.url.clone());
                request_error(OPERATION, source, self.timeouts, Stage::Body)
            })?;
        if !status.is_success() {
            return Err(response::api_error(
                crate::generated::model::Operation::RequestToken,
                status,
                &headers,
                &body,
                now,
                &secrets,
            ));
        }
        if !body.complete {
            return Err(Error::BodyTooLarge {
                operation: OPERATION,
                limit,
            });
        }
        parse_issued(&body.bytes, now).map_err(|reason| Error::Decode {
            operation: OPERATION,
            reason,
        })
    }

    /// The token request carrying `form`, without the `Authorization` header.
    /// It carries the trace context of the current span (feature `opentelemetry`).
    fn post(&self, form: &ClientCredentialsGrant) -> reqwest::RequestBuilder {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        crate::observe::trace_context::inject(&mut headers);
        self.http
            .post(self.url.clone())
            .headers(headers)
            .timeout(self.timeouts.request)
            .form(form)
    }

    /// Sends the token request carrying `form` through the middleware layers of
    /// `stack`: they see it without the credentials (no `client_id`, `client_secret`
    /// or `Authorization`), which the innermost service attaches, for the token
    /// endpoint's origin only.
    async fn send_through(
        &self,
        stack: &Stack,
        form: ClientCredentialsGrant,
    ) -> Result<reqwest::Response, Error> {
        let built = |builder: reqwest::RequestBuilder| {
            builder
                .build()
                .map_err(|source| request_error(OPERATION, source, self.timeouts, Stage::Send))
        };
        let bare = ClientCredentialsGrant {
            client_id: None,
            client_secret: None,
            ..form.clone()
        };
        let request = built(self.post(&bare))?;
        let mut headers = reqwest::header::HeaderMap::new();
        let body = if form.client_secret.is_some() {
            let whole = built(self.post(&form))?;
            whole
                .body()
                .and_then(reqwest::Body::as_bytes)
                .map(bytes::Bytes::copy_from_slice)
        } else {
            headers.insert(AUTHORIZATION, self.basic_authorization());
            None
        };
        let guard = Guard {
            origin: Some(Arc::new(self.url.origin())),
            headers,
            body,
            body_limit: TOKEN_BODY_LIMIT,
        };
        stack
            .send(request, Some(OPERATION), guard, self.timeouts.request)
            .await
            .map_err(|failure| match failure {
                Failure::Reqwest(source) => {
                    request_error(OPERATION, source, self.timeouts, Stage::Send)
                }
                Failure::Stack(error) => error.to_error(OPERATION, self.timeouts.request_limit),
            })
    }

    /// `Basic base64(urlencode(id):urlencode(secret))`, as RFC 6749 §2.3.1 asks.
    fn basic_authorization(&self) -> HeaderValue {
        let encode =
            |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let pair = zeroize::Zeroizing::new(format!(
            "{}:{}",
            encode(&self.client_id),
            encode(self.client_secret.expose_secret())
        ));
        let encoded = zeroize::Zeroizing::new(
            base64::engine::general_purpose::STANDARD.encode(pair.as_bytes()),
        );
        let mut value = HeaderValue::from_str(&format!("Basic {}", encoded.as_str()))
            .expect("base64 is always a valid header value");
        value.set_sensitive(true);
        value
    }
}

/// Validates a 2xx token response body (see the module docs for the lifetime rule).
/// The error says what is wrong without quoting the body, which holds the token.
pub(crate) fn parse_issued(body: &[u8], now: SystemTime) -> Result<IssuedToken, String> {
    let parsed: AccessTokenResponse = serde_json::from_slice(body)
        .map_err(|_| describe_decode_failure::<AccessTokenResponse>(body, &[]))?;
    let token_type = parsed.token_type.as_str();
    if !token_type.eq_ignore_ascii_case("bearer") {
        // Named only when it looks like a token type: a broken server may put anything
        // there, the token included.
        let plain = token_type.len() <= 20
            && token_type
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        return Err(if plain {
            format!("token_type is `{token_type}`; only bearer tokens can be used")
        } else {
            "token_type is not `Bearer`; only bearer tokens can be used".to_owned()
        });
    }
    let token = parsed.access_token.expose_secret();
    if token.is_empty() {
        return Err("access_token is empty".to_owned());
    }
    let mut header = HeaderValue::from_str(token)
        .map_err(|_| "access_token contains characters that cannot go in a header".to_owned())?;
    header.set_sensitive(true);
    let claims = jwt_claims(token);
    // The spec's `minimum: 1` makes the generated type a `NonZeroU64`: a zero or negative
    // `expires_in` failed to decode above.
    let lifetime = match parsed.expires_in {
        Some(seconds) => Duration::from_secs(seconds.get()),
        None => claims
            .as_ref()
            .and_then(|c| lifetime_from_exp(c.get("exp")?, now))
            .unwrap_or(DEFAULT_LIFETIME),
    };
    let id = match claims
        .as_ref()
        // A label, not a payload: a few dozen characters are enough to correlate.
        .and_then(|c| {
            c.get("jti")?
                .as_str()
                .map(|jti| jti.chars().take(128).collect())
        }) {
        Some(jti) => TokenId::Jti(jti),
        None => TokenId::Fingerprint(fingerprint(token)),
    };
    Ok(IssuedToken {
        header,
        id,
        lifetime: lifetime.min(MAX_LIFETIME),
    })
}

/// The time from `now` to a JWT `exp` claim (seconds since the epoch, integer or not):
/// `None` when the claim is not a positive number or is already past. A date beyond
/// what the platform's clock can hold counts as "far away" (the lifetime is capped
/// later), never as an overflow.
fn lifetime_from_exp(exp: &serde_json::Value, now: SystemTime) -> Option<Duration> {
    let seconds = match exp.as_u64() {
        Some(seconds) => Duration::from_secs(seconds),
        None => match exp.as_f64()? {
            seconds if seconds > 0.0 => {
                Duration::try_from_secs_f64(seconds).unwrap_or(Duration::MAX)
            }
            _ => return None,
        },
    };
    let lifetime = match SystemTime::UNIX_EPOCH.checked_add(seconds) {
        Some(expires) => expires.duration_since(now).ok()?,
        None => MAX_LIFETIME,
    };
    (!lifetime.is_zero()).then_some(lifetime)
}

/// The claims of a JWT, decoded without verification; `None` for anything else.
fn jwt_claims(token: &str) -> Option<serde_json::Map<String, serde_json::Value>> {
    let mut parts = token.split('.');
    let (_header, payload, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn fingerprint(token: &str) -> String {
    let digest = sha2::Sha256::digest(token.as_bytes());
    hex::encode(&digest[..6])
}

#[cfg(test)]
mod tests;
