//! The sandbox's answers that the API routes and the token endpoint share: a JSON body
//! with a status ([`answer`]) and the spec's example for an operation and status
//! ([`example`]).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::generated::model::{Operation, RESPONSE_EXAMPLES};

/// The spec's example for (operation, status); else one of another API operation with
/// that status (token endpoint bodies only stand in for the token endpoint).
pub(super) fn example(operation: Operation, status: u16) -> Value {
    let status = status.to_string();
    let is_token = |op: Operation| op == Operation::RequestToken;
    // Among the examples that fit, one named `sandbox` (written for this server's
    // answers) wins over the documents' own, which may be placeholders.
    let pick = |fits: &dyn Fn(Operation, &str) -> bool| {
        let mut fitting = RESPONSE_EXAMPLES.iter().filter(|(op, s, ..)| fits(*op, s));
        let first = fitting.clone().next();
        fitting.find(|(.., name, _)| *name == "sandbox").or(first)
    };
    let wanted = pick(&|op, s| op == operation && s == status)
        .or_else(|| pick(&|op, s| s == status && is_token(op) == is_token(operation)));
    match wanted {
        Some((.., text)) => {
            serde_json::from_str(text).expect("examples are JSON (checked by the build)")
        }
        None => json!({"message": format!("sandbox answer {status}")}),
    }
}

/// `body` as JSON with `status` (500 if `status` is not one).
pub(super) fn answer(status: u16, body: Value) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(body)).into_response()
}
