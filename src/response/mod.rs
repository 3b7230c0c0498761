//! Turning what a generated method returns into the crate's result: success values pass
//! through; every other status is decoded by (operation, status) into [`ErrorBody`].
//!
//! The generator is not told about error responses (see `build/prepare.rs`), so it hands
//! them back unread as `UnexpectedResponse`; this module reads the body once, keeps a
//! bounded prefix and decodes it into the type the spec documents for that status.
//! Why a body did not decode is worded by [`crate::error::decode_reason`]; a
//! `Retry-After` is read by [`crate::response::retry_after`]; a request that got no whole
//! response is turned into an [`Error`] by [`crate::transport::failure`].

pub(crate) mod retry_after;

use std::time::SystemTime;

use progenitor_client::{Error as GeneratedError, ResponseValue};
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;

use crate::error::cause_of::Stage;
use crate::error::decode_reason::{describe_decode_failure, describe_json_error};
use crate::error::request_id::request_id;
use crate::error::size::size;
use crate::error::{ApiError, BodyPrefix, Error};
use crate::generated::model::ErrorBody;
use crate::generated::model::Operation;
use crate::response::retry_after::retry_after;
use crate::secret::redact::mask;
use crate::transport::body::{read_capped, Capped, ERROR_BODY_LIMIT};
use crate::transport::failure::request_error;
use crate::transport::http_client::Timeouts;

/// What turning a failed request into an [`Error`] needs besides the response.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Seen<'a> {
    /// The wall-clock time, to turn a `Retry-After` date into a wait.
    pub now: SystemTime,
    /// Masked in any server text the error keeps.
    pub secrets: &'a [&'a str],
    /// The request's time limits, the one reached named in the error.
    pub timeouts: Timeouts,
}

/// Maps the outcome of a generated method for `operation` into the crate's result.
pub(crate) async fn finish<T: DeserializeOwned>(
    op: Operation,
    outcome: Result<ResponseValue<T>, GeneratedError<()>>,
    seen: &Seen<'_>,
) -> Result<ResponseValue<T>, Error> {
    let Seen {
        now,
        secrets,
        timeouts,
    } = *seen;
    let operation = op;
    let error = match outcome {
        Ok(value) => return Ok(value),
        Err(error) => error,
    };
    Err(match error {
        GeneratedError::UnexpectedResponse(response) => {
            let status = response.status();
            let headers = response.headers().clone();
            match read_capped(response, ERROR_BODY_LIMIT).await {
                Ok(body) => api_error(op, status, &headers, &body, now, secrets),
                Err(source) => request_error(operation, source, timeouts, Stage::Body),
            }
        }
        GeneratedError::InvalidResponsePayload(body, _) => Error::Decode {
            operation,
            reason: describe_decode_failure::<T>(&body, secrets),
        },
        GeneratedError::CommunicationError(source) | GeneratedError::InvalidUpgrade(source) => {
            request_error(operation, source, timeouts, Stage::Send)
        }
        GeneratedError::ResponseBodyError(source) => {
            request_error(operation, source, timeouts, Stage::Body)
        }
        GeneratedError::ErrorResponse(value) => {
            let empty = Capped {
                bytes: Vec::new(),
                complete: true,
            };
            api_error(op, value.status(), value.headers(), &empty, now, secrets)
        }
        GeneratedError::InvalidRequest(message) | GeneratedError::Custom(message) => {
            Error::InvalidRequest {
                operation: Some(operation),
                message,
            }
        }
    })
}

/// An [`Error::Api`] for a response of `operation` with `status`, decoding `body` into
/// the type the spec documents for that status. `secrets` are masked first, so neither
/// the typed body nor the kept prefix can hold them.
pub(crate) fn api_error(
    operation: Operation,
    status: http::StatusCode,
    headers: &HeaderMap,
    body: &Capped,
    now: SystemTime,
    secrets: &[&str],
) -> Error {
    let masked = mask(&body.bytes, secrets);
    let documented = ErrorBody::decode(operation, status.as_u16(), &masked);
    let (body_value, undecoded) = match documented {
        Some(Ok(decoded)) => (Some(decoded), None),
        Some(Err(_)) if !body.complete => (
            None,
            Some(format!(
                "the body is larger than {}",
                size(ERROR_BODY_LIMIT)
            )),
        ),
        Some(Err(problem)) => (None, Some(describe_json_error(&problem))),
        None => (None, None),
    };
    let fallback_message = body_value
        .is_none()
        .then(|| fallback_message(&masked))
        .flatten();
    let request_id = request_id(headers);
    tracing::info!(
        target: "flowpayroll::api",
        operation = operation.id(),
        status = status.as_u16(),
        request_id = request_id.as_deref().unwrap_or("-"),
        "error response"
    );
    Error::Api(Box::new(ApiError {
        operation,
        request_id,
        status,
        body: body_value,
        undecoded,
        fallback_message,
        retry_after: retry_after(headers, now),
        raw: BodyPrefix::new(&masked, body.complete),
    }))
}

/// The words of an error body that did not decode into its documented type (the
/// spec's rule, `error bodies that do not match`): the top-level `message` string of a
/// JSON object, else `error_description`, else `error`, cut to [`BodyPrefix::LIMIT`]
/// bytes on a character boundary. `None` for anything else (HTML, an array...).
pub(crate) fn fallback_message(body: &[u8]) -> Option<String> {
    let object: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(body).ok()?;
    let text = ["message", "error_description", "error"]
        .iter()
        .find_map(|key| {
            object
                .get(*key)?
                .as_str()
                .filter(|text| !text.trim().is_empty())
        })?;
    let mut end = text.len().min(BodyPrefix::LIMIT);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    Some(text[..end].to_owned())
}

#[cfg(test)]
mod tests;
