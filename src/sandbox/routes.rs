//! The sandbox's HTTP routes: one per [`Operation`] (method and path from the spec),
//! counting, latency and forced faults before any work, the token check, and the
//! management operations over the sandbox's state. Answers are compressed (`br`, `gzip`,
//! `deflate`) when the request asks, and counted by encoding; every answer carries an
//! `X-Request-Id`.

// An early answer is returned as `Err(Response)`, the usual axum shape; boxing it would
// buy nothing on a test server.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, State as AppState};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::json;
use tower_http::compression::CompressionLayer;

use super::account::UNREGISTERED;
use super::answer::{answer, example};
use super::codes::CodeRefusal;
use super::connection::Connection;
use super::faults::{Fault, Staged, MALFORMED_BODY};
use super::tokens::{Issued, Refusal};
use super::{control, lock, quotas, sign_in, token_endpoint, State};
use crate::generated::model::types::{
    AuthorizationCodeExchange, ClientUpdate, ConnectionToken, Introspection,
};
use crate::generated::model::Operation;
use crate::secret::SecretString;

/// An answer, or an early answer (refusal, bad request).
type Outcome = Result<Response, Response>;

/// The largest request body the sandbox reads.
const BODY_LIMIT: usize = 64 * 1024;

pub(super) fn router(state: Arc<State>) -> Router {
    let mut by_path: BTreeMap<&'static str, MethodRouter<Arc<State>>> = BTreeMap::new();
    for &operation in Operation::ALL {
        let filter = match operation.method() {
            "GET" => MethodFilter::GET,
            "POST" => MethodFilter::POST,
            "PUT" => MethodFilter::PUT,
            "PATCH" => MethodFilter::PATCH,
            "DELETE" => MethodFilter::DELETE,
            "HEAD" => MethodFilter::HEAD,
            "OPTIONS" => MethodFilter::OPTIONS,
            _ => MethodFilter::TRACE,
        };
        let handler = move |AppState(state): AppState<Arc<State>>,
                            ConnectInfo(connection): ConnectInfo<Connection>,
                            headers: HeaderMap,
                            body: Bytes| async move {
            handle(&state, &connection, operation, &headers, &body).await
        };
        let route = by_path.remove(operation.path()).unwrap_or_default();
        by_path.insert(operation.path(), route.on(filter, handler));
    }
    let mut router = Router::new();
    for (path, route) in by_path {
        router = router.route(path, route);
    }
    router
        .merge(control::router())
        .merge(quotas::router())
        .merge(sign_in::router())
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(CompressionLayer::new())
        .layer(axum::middleware::map_response_with_state(
            Arc::clone(&state),
            count_compressed,
        ))
        .layer(axum::middleware::map_response(tag_request_id))
        .with_state(state)
}

/// Gives every answer an `X-Request-Id` (the references name no such header for the live
/// API; the client reads it when a server sends one), so that
/// `ApiError::request_id` can be tried here.
async fn tag_request_id(mut response: Response) -> Response {
    let id = format!("sandbox-{:016x}", fastrand::u64(..));
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

/// Counts an answer the compression layer encoded.
async fn count_compressed(AppState(state): AppState<Arc<State>>, response: Response) -> Response {
    if let Some(encoding) = response.headers().get(header::CONTENT_ENCODING) {
        state
            .counters
            .record_compressed(encoding.to_str().unwrap_or_default());
    }
    response
}

/// One request of `operation` on `connection`: counted, delayed, maybe faulted, then
/// answered.
async fn handle(
    state: &Arc<State>,
    connection: &Connection,
    operation: Operation,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let user_id = headers.get("user-id").and_then(|v| v.to_str().ok());
    state.counters.record(operation, user_id);
    let admitted = lock(&state.quotas).admit(operation, state.now());
    if let Err(wait) = admitted {
        state.counters.record_rate_limited(operation);
        return over_quota(wait);
    }
    let latency = *lock(&state.latency);
    if !latency.is_zero() && !state.wait(latency).await {
        return stopping();
    }
    let fault = lock(&state.faults).take(operation);
    let staged = match fault {
        None => None,
        Some(Fault::Slow(delay)) if !state.wait(delay).await => return stopping(),
        Some(Fault::Slow(_)) => None,
        Some(Fault::SlowBody(delay)) => Some(Some(delay)),
        Some(Fault::CutBody) => Some(None),
        Some(Fault::ResetBeforeHeaders) => {
            connection.reset();
            return stopping();
        }
        Some(Fault::StallBeforeHeaders) => {
            // Until the sandbox stops; a client that gives up closes the connection,
            // and hyper drops this request with it.
            let _ = state.stopping.subscribe().wait_for(|stop| *stop).await;
            return stopping();
        }
        Some(fault) => return faulted(operation, &fault),
    };
    let response = answer_call(state, operation, headers, body);
    match staged {
        None => response,
        Some(pause) => stage(state, response, pause).await,
    }
}

/// `response` with its body in two halves: the second after `pause` on the sandbox's
/// clock, or never (the connection closes) without one.
async fn stage(state: &Arc<State>, response: Response, pause: Option<Duration>) -> Response {
    let (mut parts, body) = response.into_parts();
    // The sandbox's own answer: small and in memory.
    let Ok(bytes) = axum::body::to_bytes(body, BODY_LIMIT).await else {
        return stopping();
    };
    let state = Arc::clone(state);
    let pause = Box::pin(async move {
        match pause {
            Some(delay) => state.wait(delay).await,
            // Not ready once, so the headers and the first half leave before the cut
            // (hyper flushes what it has while a body is not ready).
            None => {
                tokio::task::yield_now().await;
                false
            }
        }
    });
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
    // Sent as is: compressing would hold the first half back in the encoder.
    parts.headers.insert(
        header::CONTENT_ENCODING,
        HeaderValue::from_static("identity"),
    );
    Response::from_parts(parts, axum::body::Body::new(Staged::new(bytes, pause)))
}

/// The sandbox's answer to a call of `operation` (no fault).
fn answer_call(state: &State, operation: Operation, headers: &HeaderMap, body: &[u8]) -> Response {
    let outcome = match operation {
        Operation::RequestToken => Ok(token_endpoint::request_token(state, headers, body)),
        Operation::ListTokens => authorized(state, operation, headers, |_| {
            Ok(ok(200, lock(&state.tokens).list(state.now())))
        }),
        Operation::IntrospectToken => authorized(state, operation, headers, |(_, issued)| {
            Ok(ok(200, introspect(state, &issued)))
        }),
        Operation::DisconnectToken => authorized(state, operation, headers, |(token, _)| {
            disconnect(state, &token)
        }),
        Operation::GetClient => authorized(state, operation, headers, |_| {
            Ok(ok(200, lock(&state.account).settings()))
        }),
        Operation::UpdateClient => {
            authorized(state, operation, headers, |_| update_client(state, body))
        }
        Operation::ExchangeAuthorizationCode => {
            authorized(state, operation, headers, |_| exchange(state, body))
        }
        Operation::ListProviders => authorized(state, operation, headers, |_| {
            Ok(answer(200, example(operation, 200)))
        }),
    };
    match outcome {
        Ok(response) | Err(response) => response,
    }
}

/// The answer to a request whose wait was cut short by [`super::Sandbox::shutdown`].
fn stopping() -> Response {
    answer(503, json!({ "message": "the sandbox is shutting down" }))
}

/// Runs `work` for the calling token, or answers why the token (401, 403) or the
/// `User-Id` (400, the spec's `UserId` rules) is refused.
fn authorized(
    state: &State,
    operation: Operation,
    headers: &HeaderMap,
    work: impl FnOnce((String, Issued)) -> Outcome,
) -> Outcome {
    let caller = authorize(state, operation, headers)?;
    let user_ids = headers.get_all("user-id");
    let mut user_ids = user_ids.iter();
    let valid = match (user_ids.next(), user_ids.next()) {
        (None, _) => true,
        (Some(one), None) => crate::transport::context::user_id_is_valid(one.as_bytes()),
        (Some(_), Some(_)) => false,
    };
    if !valid {
        return Err(bad_request(
            operation,
            "User-Id: one value of 1 to 256 printable ASCII characters, no space at either end",
        ));
    }
    work(caller)
}

/// The 429 of a call past its quota, with the whole seconds left in its window.
fn over_quota(wait: Duration) -> Response {
    let message =
        "The sandbox's quota for this endpoint is used up for this window; wait for Retry-After.";
    let mut response = answer(429, json!({ "message": message }));
    let seconds = quotas::retry_after_seconds(wait);
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    response
}

/// The answer a fault forces.
fn faulted(operation: Operation, fault: &Fault) -> Response {
    match fault {
        Fault::Status(status) => answer(status.as_u16(), example(operation, status.as_u16())),
        Fault::TooManyRequests { retry_after } => {
            let mut response = answer(429, example(operation, 429));
            let seconds = retry_after
                .as_secs()
                .saturating_add(u64::from(retry_after.subsec_nanos() > 0));
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            response
        }
        Fault::MalformedBody
        | Fault::Slow(_)
        | Fault::SlowBody(_)
        | Fault::CutBody
        | Fault::ResetBeforeHeaders
        | Fault::StallBeforeHeaders => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            MALFORMED_BODY,
        )
            .into_response(),
    }
}

/// The calling token (`X-Auth-Token`) and what the sandbox knows of it: 401 if missing,
/// unknown or expired, 403 if disconnected.
fn authorize(
    state: &State,
    operation: Operation,
    headers: &HeaderMap,
) -> Result<(String, Issued), Response> {
    let token = headers
        .get("x-auth-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    match lock(&state.tokens).check(token, state.now()) {
        Ok(issued) => Ok((token.to_owned(), issued)),
        Err(Refusal::Disconnected) => Err(answer(403, example(operation, 403))),
        Err(Refusal::Unauthenticated) => Err(answer(401, example(operation, 401))),
    }
}

fn introspect(state: &State, issued: &Issued) -> Introspection {
    Introspection {
        client_id: state.config.client_id.clone(),
        mode: issued.mode.clone(),
        provider: issued.provider.clone(),
        scopes: issued.scopes.to_vec(),
    }
}

fn disconnect(state: &State, token: &str) -> Outcome {
    if let Some(jti) = lock(&state.tokens).disconnect(token, state.now()) {
        tracing::debug!(target: "flowpayroll::sandbox", %jti, "token disconnected");
    }
    Ok(ok(
        200,
        crate::generated::model::types::Disconnection { disconnected: true },
    ))
}

fn update_client(state: &State, body: &[u8]) -> Outcome {
    let update: ClientUpdate = decode(Operation::UpdateClient, body)?;
    let mut account = lock(&state.account);
    account
        .update(update)
        .map_err(|why| bad_request(Operation::UpdateClient, why))?;
    Ok(ok(200, account.settings()))
}

fn exchange(state: &State, body: &[u8]) -> Outcome {
    let operation = Operation::ExchangeAuthorizationCode;
    let exchange: AuthorizationCodeExchange = decode(operation, body)?;
    let mut account = lock(&state.account);
    // 400, not 401: the credentials are in the body (see the spec's decision).
    if !account.accepts(&exchange.client_id, exchange.client_secret.expose_secret()) {
        return Err(bad_request(
            operation,
            "invalid_client: client_id or client_secret is wrong",
        ));
    }
    // Checked before the code: a wrong redirect URI does not spend it.
    if !account.redirect_registered(&exchange.redirect_uri) {
        return Err(bad_request(operation, UNREGISTERED));
    }
    let grant = match account
        .codes
        .redeem(&exchange.code, &exchange.redirect_uri, state.now())
    {
        Ok(grant) => grant,
        Err(CodeRefusal::Reused) => {
            let mut body = example(operation, 409);
            body["code"] = json!(exchange.code);
            if let Some(fields) = body.as_object_mut() {
                fields.remove("token");
            }
            return Err(answer(409, body));
        }
        Err(refusal) => return Err(bad_request(operation, refusal.describe())),
    };
    drop(account);
    let issued = token_endpoint::issue(
        state,
        Arc::clone(&grant.scopes),
        Some(grant.mode),
        grant.provider.clone(),
    );
    let connection = ConnectionToken {
        access_token: SecretString::new(issued.token),
        token_type: "Bearer".into(),
        mode: issued.mode,
        provider: grant.provider,
        scopes: grant.scopes.to_vec(),
    };
    Ok(ok(201, connection))
}

/// Decodes a JSON request body into the type the spec documents for it (400 if not).
fn decode<T: DeserializeOwned>(operation: Operation, body: &[u8]) -> Result<T, Response> {
    serde_json::from_slice(body).map_err(|_| {
        let mut response = example(operation, 400);
        response["message"] = json!("the request body does not match the spec");
        response["validation_error"] = json!(
            crate::error::decode_reason::describe_decode_failure::<T>(body, &[])
        );
        answer(400, response)
    })
}

fn bad_request(operation: Operation, why: &str) -> Response {
    let mut body = example(operation, 400);
    body["message"] = json!("the request was refused");
    body["validation_error"] = json!(why);
    answer(400, body)
}

fn ok(status: u16, body: impl Serialize) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    (status, Json(body)).into_response()
}
