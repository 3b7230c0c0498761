//! The control API, on the sandbox's own port under `/__sandbox/`, so that tests in any
//! language can drive a `flowpayroll sandbox serve`:
//!
//! * `GET /__sandbox/stats`: the counters ([`super::Stats`] as JSON).
//! * `POST /__sandbox/faults` with `{"operation": "list_tokens", "times": 2, "fault":
//!   {"kind": "status", "status": 500}}`: the next `times` calls of the operation get the
//!   fault. Kinds: `status` (`status`), `too_many_requests` (`retry_after` seconds),
//!   `slow` (`delay_ms`), `malformed_body`, `slow_body` (`delay_ms`), `cut_body`,
//!   `reset_before_headers`, `stall_before_headers`.
//! * `POST /__sandbox/authorize` with `{"redirect_uri": "https://app.example.com/cb"}`:
//!   the code the sign-in page would send after a user allowed every scope of the
//!   client, `{"code": ...}`, without the page. The URI must be one of the client's
//!   `redirect_uris`; the code is then exchanged only with that same `redirect_uri`,
//!   once, within ten minutes.
//! * `POST /__sandbox/sign-in/faults` with `{"fault": "refuse", "times": 1}`: the next
//!   `times` sign-ins on the page fail: `refuse` (the user refuses), `server_error`
//!   (the page redirects with that error) or `unavailable` (the page answers 503).
//! * `POST /__sandbox/webhooks/deliver` with `{}` (one employee added, one updated),
//!   `{"generate": {"added": 2, "removed": 0, "updated": 1}}` or `{"payload": {...}}`:
//!   delivers a signed webhook to the client's `webhook_uri` now and answers how the
//!   receiver did, `{"status": 204, "error": null, "bytes": 812}`. 409 while webhooks are
//!   off (no `webhook_uri`).
//! * `POST /__sandbox/reset`: forget every token, fault, code, count and setting change.
//!
//! A request the sandbox cannot follow is `400` with `{"message": ...}`; a delivery is
//! `409` while webhooks are off and `500` if the sandbox itself failed.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State as AppState;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::account::UNREGISTERED;
use super::codes::Grant;
use super::faults::Fault;
use super::sign_in::{self, SignInFault};
use super::webhooks::{self, Refusal};
use super::WebhookPayload;
use super::{lock, State};
use crate::generated::model::Operation;

/// The most fault runs queued per operation through the control API.
const MAX_RUNS: usize = 1024;
/// The most calls one control request may fault.
const MAX_TIMES: u64 = 1_000_000;
/// The longest slow answer, in milliseconds (ten minutes).
const MAX_DELAY_MS: u64 = 600_000;

pub(super) fn router() -> Router<Arc<State>> {
    Router::new()
        .route("/__sandbox/stats", get(stats))
        .route("/__sandbox/faults", post(faults))
        .route("/__sandbox/authorize", post(authorize))
        .route("/__sandbox/sign-in/faults", post(sign_in_faults))
        .route("/__sandbox/reset", post(reset))
        .route("/__sandbox/webhooks/deliver", post(deliver_webhook))
}

async fn stats(AppState(state): AppState<Arc<State>>) -> Response {
    Json(state.stats()).into_response()
}

async fn reset(AppState(state): AppState<Arc<State>>) -> Response {
    state.reset();
    StatusCode::NO_CONTENT.into_response()
}

/// The body of `POST /__sandbox/authorize`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AuthorizeRequest {
    redirect_uri: String,
}

async fn authorize(AppState(state): AppState<Arc<State>>, body: Bytes) -> Response {
    let request: AuthorizeRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(error) => return refuse(&format!("the body does not name a redirect_uri: {error}")),
    };
    let mut account = lock(&state.account);
    if !account.redirect_registered(&request.redirect_uri) {
        return refuse(UNREGISTERED);
    }
    let grant = Grant {
        redirect_uri: request.redirect_uri.clone(),
        scopes: Arc::clone(&state.allowed_scopes),
        mode: state.allowed_mode.clone(),
        provider: state.config.provider.clone(),
    };
    let code = account
        .codes
        .issue(&state.config.client_id, grant, state.now());
    Json(json!({"code": code, "redirect_uri": request.redirect_uri})).into_response()
}

/// The body of `POST /__sandbox/sign-in/faults`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SignInFaultRequest {
    fault: SignInFault,
    #[serde(default = "one")]
    times: u64,
}

async fn sign_in_faults(AppState(state): AppState<Arc<State>>, body: Bytes) -> Response {
    let request: SignInFaultRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(error) => return refuse(&format!("the body does not describe a fault: {error}")),
    };
    if request.times == 0 || request.times > MAX_TIMES {
        return refuse(&format!("times must be from 1 to {MAX_TIMES}"));
    }
    match sign_in::queue_fault(&state, request.fault, request.times) {
        Ok(pending) => Json(json!({"pending": pending})).into_response(),
        Err(why) => refuse(why),
    }
}

/// The body of `POST /__sandbox/faults`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultRequest {
    operation: Operation,
    #[serde(default = "one")]
    times: u64,
    fault: FaultSpec,
}

fn one() -> u64 {
    1
}

/// A fault as JSON.
#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum FaultSpec {
    Status { status: u16 },
    TooManyRequests { retry_after: u64 },
    Slow { delay_ms: u64 },
    MalformedBody,
    SlowBody { delay_ms: u64 },
    CutBody,
    ResetBeforeHeaders,
    StallBeforeHeaders,
}

async fn faults(AppState(state): AppState<Arc<State>>, body: Bytes) -> Response {
    let request: FaultRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(error) => return refuse(&format!("the body does not describe a fault: {error}")),
    };
    if request.times == 0 || request.times > MAX_TIMES {
        return refuse(&format!("times must be from 1 to {MAX_TIMES}"));
    }
    let fault = match request.fault {
        FaultSpec::Status { status } if (200..=599).contains(&status) => {
            match StatusCode::from_u16(status) {
                Ok(status) => Fault::Status(status),
                Err(_) => return refuse("status must be from 200 to 599"),
            }
        }
        FaultSpec::Status { .. } => return refuse("status must be from 200 to 599"),
        FaultSpec::TooManyRequests { retry_after } => Fault::TooManyRequests {
            retry_after: Duration::from_secs(retry_after),
        },
        FaultSpec::Slow { delay_ms } if delay_ms <= MAX_DELAY_MS => {
            Fault::Slow(Duration::from_millis(delay_ms))
        }
        FaultSpec::Slow { .. } => {
            return refuse(&format!("delay_ms must be at most {MAX_DELAY_MS}"))
        }
        FaultSpec::MalformedBody => Fault::MalformedBody,
        FaultSpec::SlowBody { delay_ms } if delay_ms <= MAX_DELAY_MS => {
            Fault::SlowBody(Duration::from_millis(delay_ms))
        }
        FaultSpec::SlowBody { .. } => {
            return refuse(&format!("delay_ms must be at most {MAX_DELAY_MS}"))
        }
        FaultSpec::CutBody => Fault::CutBody,
        FaultSpec::ResetBeforeHeaders => Fault::ResetBeforeHeaders,
        FaultSpec::StallBeforeHeaders => Fault::StallBeforeHeaders,
    };
    let mut faults = lock(&state.faults);
    if faults.runs(request.operation) >= MAX_RUNS {
        return refuse(&format!(
            "{MAX_RUNS} different faults are already queued for this operation"
        ));
    }
    faults.push(request.operation, request.times, fault);
    let pending = faults.pending(request.operation);
    Json(json!({"operation": request.operation, "pending": pending})).into_response()
}

/// The body of `POST /__sandbox/webhooks/deliver`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeliverRequest {
    generate: Option<Generate>,
    payload: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Generate {
    #[serde(default)]
    added: usize,
    #[serde(default)]
    removed: usize,
    #[serde(default)]
    updated: usize,
}

async fn deliver_webhook(AppState(state): AppState<Arc<State>>, body: Bytes) -> Response {
    let request: DeliverRequest = if body.is_empty() {
        DeliverRequest::default()
    } else {
        match serde_json::from_slice(&body) {
            Ok(request) => request,
            Err(error) => {
                return refuse(&format!("the body does not describe a delivery: {error}"))
            }
        }
    };
    let payload = match request {
        DeliverRequest {
            generate: Some(_),
            payload: Some(_),
        } => return refuse("give `generate` or `payload`, not both"),
        DeliverRequest {
            payload: Some(payload),
            ..
        } => WebhookPayload::Json(payload),
        DeliverRequest {
            generate: Some(g), ..
        } => WebhookPayload::Generated {
            added: g.added,
            removed: g.removed,
            updated: g.updated,
        },
        DeliverRequest { .. } => WebhookPayload::default(),
    };
    match webhooks::deliver(&state, payload).await {
        Ok(Ok(delivery)) => Json(delivery).into_response(),
        Ok(Err(Refusal::Off)) => (
            StatusCode::CONFLICT,
            Json(json!({"message": webhooks::OFF})),
        )
            .into_response(),
        Ok(Err(Refusal::Invalid(message))) => refuse(&message),
        Err(error) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(json!({"message": error.to_string()})),
        )
            .into_response(),
    }
}

fn refuse(message: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({"message": message}))).into_response()
}
