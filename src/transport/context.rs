//! [`RequestContext`]: the per-call headers of a generated client, and the `User-Id`
//! rule ([`MAX_USER_ID_LEN`]) every path applies. The `ClientHooks` implementation that
//! puts them on every request is generated code's, in `crate::raw::hooks`.
//!
//! progenitor turns header parameters into method arguments, so the spec's `User-Id`
//! parameter and the `X-Auth-Token` security scheme are not arguments of the generated
//! methods (see `build/prepare.rs`). Instead each generated client carries a
//! `RequestContext` as its inner value, and the `pre` hook attaches it. (The
//! `api-version` header progenitor would add is taken out of the generated code at
//! build time, `build/lean.rs`: the API is versioned in its paths and no document
//! mentions that header, a decision recorded in the spec.)
//!
//! The context also bounds what a call reads ([`RequestContext::with_body_limit`]: the
//! success body's stream fails past the limit) and, when it comes from
//! [`crate::FlowPayroll`], refuses to send its token anywhere but the configured API
//! origin.

use std::sync::Arc;

use http::{HeaderName, HeaderValue};
use url::Origin;

use crate::error::Error;
use crate::secret::SecretString;
use crate::transport::body::DEFAULT_BODY_LIMIT;
use crate::transport::middleware::next::Guard;
use crate::transport::middleware::Stack;
use crate::transport::origin::is_origin_of;

/// The header that carries the access token.
pub const X_AUTH_TOKEN: HeaderName = HeaderName::from_static("x-auth-token");
/// The header that names the end user a call is made for (audit log only).
pub const USER_ID: HeaderName = HeaderName::from_static("user-id");
/// The operation named by the errors of [`RequestContext`]'s checks: none (the
/// context is built before any).
const CONTEXT: Option<crate::generated::model::Operation> = None;

/// Headers a generated [`Client`](crate::raw::Client) attaches to every request it sends.
///
/// Most callers never see this: [`crate::FlowPayroll`] builds one per call. Use it to
/// drive the low-level generated client yourself.
#[derive(Clone, Debug)]
pub struct RequestContext {
    access_token: Option<HeaderValue>,
    user_id: Option<HeaderValue>,
    token_origin: Option<Arc<Origin>>,
    body_limit: usize,
    /// The client's middleware layers, when it has any.
    stack: Option<Arc<Stack>>,
}

impl Default for RequestContext {
    fn default() -> Self {
        Self {
            access_token: None,
            user_id: None,
            token_origin: None,
            body_limit: DEFAULT_BODY_LIMIT,
            stack: None,
        }
    }
}

impl RequestContext {
    /// A context that sends no headers and reads success bodies up to
    /// [`crate::limits::DEFAULT_BODY_LIMIT`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads success bodies up to `limit` bytes; past it the call fails (the generated
    /// client reports a body error whose source says which limit).
    pub fn with_body_limit(mut self, limit: usize) -> Self {
        self.body_limit = limit;
        self
    }

    /// Sends the token only to `origin` (scheme, host and port); a request to any
    /// other origin fails before it is sent.
    pub(crate) fn with_token_origin(mut self, origin: Arc<Origin>) -> Self {
        self.token_origin = Some(origin);
        self
    }

    /// Sends `token` as `X-Auth-Token`. The header value is marked sensitive, so HTTP
    /// libraries never log it.
    ///
    /// A token that cannot be an HTTP header value is [`Error::InvalidRequest`] (operation
    /// `None`: refused before any operation); the message does not quote it.
    pub fn with_access_token(mut self, token: &SecretString) -> Result<Self, Error> {
        let mut value =
            HeaderValue::from_str(token.expose_secret()).map_err(|_| Error::InvalidRequest {
                operation: CONTEXT,
                message: "the access token contains characters that cannot go in an HTTP header"
                    .to_owned(),
            })?;
        value.set_sensitive(true);
        self.access_token = Some(value);
        Ok(self)
    }

    /// Sends an already-built (and sensitive) `X-Auth-Token` value.
    pub(crate) fn with_access_token_value(mut self, value: HeaderValue) -> Self {
        self.access_token = Some(value);
        self
    }

    /// Sends `User-Id: user_id`. It is checked as on every other path (the builder,
    /// [`crate::FlowPayroll::as_user`]): a value that cannot be sent is
    /// [`Error::InvalidRequest`] (operation `None`: refused before any operation).
    pub fn with_user_id(mut self, user_id: &str) -> Result<Self, Error> {
        let value = user_value(user_id).map_err(|message| Error::InvalidRequest {
            operation: CONTEXT,
            message,
        })?;
        self.user_id = Some(value);
        Ok(self)
    }

    /// Sends an already-validated `User-Id` value.
    pub(crate) fn with_user_id_value(mut self, value: Option<HeaderValue>) -> Self {
        self.user_id = value;
        self
    }

    /// Sends through the client's middleware layers `stack` (when it has any).
    pub(crate) fn with_stack(mut self, stack: Option<Arc<Stack>>) -> Self {
        self.stack = stack;
        self
    }

    /// The client's middleware layers, when it has any.
    pub(crate) fn stack(&self) -> Option<&Stack> {
        self.stack.as_deref()
    }

    /// What the innermost middleware service attaches: this context's headers, the
    /// origin the token may go to, and the body limit.
    pub(crate) fn guard(&self) -> Guard {
        let mut headers = reqwest::header::HeaderMap::new();
        self.apply(&mut headers);
        Guard {
            origin: self
                .access_token
                .as_ref()
                .and(self.token_origin.as_ref())
                .map(Arc::clone),
            headers,
            body: None,
            body_limit: self.body_limit,
        }
    }

    /// Whether this context carries an access token.
    pub(crate) fn has_access_token(&self) -> bool {
        self.access_token.is_some()
    }

    /// The most bytes a success body may have.
    pub(crate) fn body_limit(&self) -> usize {
        self.body_limit
    }

    /// Whether the token may go to `url`.
    pub(crate) fn may_send_token_to(&self, url: &url::Url) -> bool {
        self.token_origin
            .as_deref()
            .is_none_or(|origin| is_origin_of(origin, url))
    }

    pub(crate) fn apply(&self, headers: &mut reqwest::header::HeaderMap) {
        if let Some(token) = &self.access_token {
            headers.insert(X_AUTH_TOKEN, token.clone());
        }
        if let Some(user_id) = &self.user_id {
            headers.insert(USER_ID, user_id.clone());
        }
    }
}

pub(crate) fn user_value(user_id: &str) -> Result<HeaderValue, String> {
    if user_id.is_empty() {
        return Err("the User-Id is empty: leave it out instead".to_owned());
    }
    if user_id.len() > MAX_USER_ID_LEN {
        return Err(format!(
            "the User-Id is {} bytes long; at most {MAX_USER_ID_LEN} are sent",
            user_id.len()
        ));
    }
    // The spec's pattern: printable ASCII, no space at either end (HTTP would strip it,
    // so the value would not arrive as given).
    let printable = user_id.bytes().all(|b| (b' '..=b'~').contains(&b));
    if !printable || user_id.starts_with(' ') || user_id.ends_with(' ') {
        return Err(
            "the User-Id can hold printable ASCII only, without spaces at either end".to_owned(),
        );
    }
    HeaderValue::from_str(user_id)
        .map_err(|_| "the User-Id contains characters that cannot go in an HTTP header".to_owned())
}

/// Whether a received `User-Id` keeps the spec's rules (the sandbox's check of the header).
#[cfg(feature = "sandbox")]
pub(crate) fn user_id_is_valid(user_id: &[u8]) -> bool {
    std::str::from_utf8(user_id).is_ok_and(|text| user_value(text).is_ok())
}

/// The longest `User-Id` the client sends, in bytes. The reference sets no limit; an
/// identifier of an end user fits easily, and servers refuse oversized headers with an
/// answer (431) that would name no cause.
pub const MAX_USER_ID_LEN: usize = 256;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_its_headers_and_leaves_the_others() {
        let context = RequestContext::new()
            .with_access_token(&SecretString::new("tok-4f9a"))
            .unwrap()
            .with_user_id("u-1")
            .unwrap();
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            http::header::ACCEPT,
            HeaderValue::from_static("application/json"),
        );
        context.apply(&mut headers);
        assert_eq!(headers.get(X_AUTH_TOKEN).unwrap(), "tok-4f9a");
        assert!(headers.get(X_AUTH_TOKEN).unwrap().is_sensitive());
        assert_eq!(headers.get(USER_ID).unwrap(), "u-1");
        assert_eq!(
            headers.get(http::header::ACCEPT).unwrap(),
            "application/json"
        );
        assert_eq!(headers.len(), 3);
        assert!(!format!("{context:?}").contains("tok-4f9a"));
    }

    #[test]
    fn the_token_goes_to_the_origin_of_the_api_url_only() {
        let api = url::Url::parse("https://api.example.com/v1").unwrap();
        let context = RequestContext::new().with_token_origin(Arc::new(api.origin()));
        for (url, same) in [
            ("https://api.example.com/other?q=1", true),
            ("https://API.example.com:443/", true),
            ("http://api.example.com/", false),
            ("https://api.example.com:8443/", false),
            ("https://api.example.com.evil.test/", false),
            ("https://evil.test/api.example.com", false),
            ("blob:https://api.example.com/1", false),
        ] {
            let url = url::Url::parse(url).unwrap();
            assert_eq!(context.may_send_token_to(&url), same, "{url}");
            if url.scheme() != "blob" {
                assert_eq!(api.origin() == url.origin(), same, "{url}");
            }
        }
        let loopback = url::Url::parse("http://127.0.0.1:8080").unwrap();
        let context = RequestContext::new().with_token_origin(Arc::new(loopback.origin()));
        assert!(context.may_send_token_to(&url::Url::parse("http://127.0.0.1:8080/x").unwrap()));
        assert!(!context.may_send_token_to(&url::Url::parse("http://127.0.0.2:8080/x").unwrap()));
        assert!(!context.may_send_token_to(&url::Url::parse("http://[::1]:8080/x").unwrap()));
    }

    #[test]
    fn refuses_values_that_are_not_header_values_as_invalid_requests() {
        let error = RequestContext::new()
            .with_user_id("bad\nvalue")
            .unwrap_err();
        assert!(
            matches!(&error, Error::InvalidRequest { operation: None, message }
                if message.contains("User-Id")),
            "{error:?}"
        );
        let error = RequestContext::new()
            .with_access_token(&SecretString::new("tok\n4f9a"))
            .unwrap_err();
        assert!(
            matches!(
                &error,
                Error::InvalidRequest {
                    operation: None,
                    ..
                }
            ),
            "{error:?}"
        );
        assert!(!error.to_string().contains("4f9a"), "{error}");
    }
}
