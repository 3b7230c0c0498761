//! The innermost service of a [`Stack`](super::Stack), under every layer: the request's
//! [`Guard`] checked against where the request now goes, the credentials attached, the
//! request sent on the shared HTTP client, the answer's body limited.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use reqwest::header::{HeaderMap, CONTENT_LENGTH};
use url::Origin;

use super::failure::StackError;
use super::{BoxError, HttpRequest, HttpResponse};
use crate::transport::body::{into_http, limit_response};
use crate::transport::origin::is_origin_of;

/// What the innermost service adds to a request once the layers are done with it: the
/// credentials, and the only origin they may go to. It travels as a request extension
/// of a type no layer can name, so no layer can read it.
#[derive(Clone)]
pub(crate) struct Guard {
    /// The origin the request must still go to when it carries credentials.
    pub origin: Option<Arc<Origin>>,
    /// Headers set on the request (sensitive values: the token, `Authorization`).
    pub headers: HeaderMap,
    /// The body that replaces the layers' one (a form with the client secret).
    pub body: Option<Bytes>,
    /// The most bytes a layer may read of the answer's body.
    pub body_limit: usize,
}

impl fmt::Debug for Guard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Guard")
            .field("origin", &self.origin)
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("body", &self.body.as_ref().map(|_| "<redacted>"))
            .field("body_limit", &self.body_limit)
            .finish()
    }
}

impl Guard {
    /// The sensitive header values this request carries (the token, `Authorization`),
    /// as text, to mask them in errors.
    pub(crate) fn secrets(&self) -> Vec<String> {
        self.headers
            .values()
            .filter(|value| value.is_sensitive())
            .filter_map(|value| value.to_str().ok().map(str::to_owned))
            .collect()
    }
}

/// The crate's own service under the layers (see the module docs).
#[derive(Clone, Debug)]
pub(crate) struct Next {
    http: reqwest::Client,
}

impl Next {
    pub(crate) fn new(http: reqwest::Client) -> Self {
        Self { http }
    }
}

impl tower::Service<HttpRequest> for Next {
    type Response = HttpResponse;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, BoxError>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut request: HttpRequest) -> Self::Future {
        let http = self.http.clone();
        let guard = request.extensions_mut().remove::<Guard>();
        Box::pin(async move {
            let mut request = reqwest::Request::try_from(request)?;
            let limit = match guard {
                // A layer took the guard away: the request goes without credentials.
                None => crate::transport::body::DEFAULT_BODY_LIMIT,
                Some(guard) => {
                    if let Some(origin) = &guard.origin {
                        if !is_origin_of(origin, request.url()) {
                            return Err(StackError::refused(request.url()).into());
                        }
                    }
                    for (name, value) in &guard.headers {
                        request.headers_mut().insert(name, value.clone());
                    }
                    if let Some(body) = guard.body {
                        // The layers' body had another length.
                        request.headers_mut().remove(CONTENT_LENGTH);
                        *request.body_mut() = Some(body.into());
                    }
                    guard.body_limit
                }
            };
            let response = http.execute(request).await?;
            Ok(into_http(limit_response(response, limit)))
        })
    }
}
