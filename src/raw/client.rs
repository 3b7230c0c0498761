//! progenitor's low-level [`Client`]: one method per operation, no token handling,
//! headers from the [`RequestContext`] it carries (see `hooks`).

/// The models the generated methods take and return.
use crate::generated::model::types;
/// Named by the generated client as `crate::raw::client::RequestContext`.
pub(crate) use crate::transport::context::RequestContext;
/// Named by the generated `Client::new` as `crate::raw::client::client_builder`.
pub(crate) use crate::transport::tls::client_builder;

include!(concat!(env!("OUT_DIR"), "/client.rs"));

/// A response's JSON body decoded, with its status and headers: progenitor's
/// `ResponseValue::from_response`, except that the headers are moved out of the
/// response rather than copied (the generated methods call this one; `build/lean.rs`).
pub(crate) async fn from_response<T, E>(
    mut response: reqwest::Response,
) -> Result<progenitor_client::ResponseValue<T>, progenitor_client::Error<E>>
where
    T: serde::de::DeserializeOwned,
{
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    let full = response
        .bytes()
        .await
        .map_err(progenitor_client::Error::ResponseBodyError)?;
    let inner = serde_json::from_slice(&full)
        .map_err(|e| progenitor_client::Error::InvalidResponsePayload(full, e))?;
    Ok(progenitor_client::ResponseValue::new(
        inner, status, headers,
    ))
}
