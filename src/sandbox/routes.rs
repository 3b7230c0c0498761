//! The sandbox's HTTP routes: the token endpoint, token checks, fault injection, and the
//! spec's examples as answers.

// An early answer is returned as `Err(Response)`, the usual axum shape; boxing it would
// buy nothing on a test server.
#![allow(clippy::result_large_err)]

use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State as Shared;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use serde_json::{json, Value};

use super::{lock, Fault, Issued, State};
use crate::generated::RESPONSE_EXAMPLES;

type Outcome = Result<Response, Response>;

pub(super) fn router(state: Arc<State>) -> Router {
    Router::new()
        .route("/oauth2/token", post(request_token))
        .route("/2023-03-01/management/tokens", get(list_tokens))
        .route("/2023-03-01/management/introspect", get(introspect_token))
        .route("/2023-03-01/management/disconnect", post(disconnect_token))
        .route(
            "/2023-03-01/management/client",
            get(get_client).post(update_client),
        )
        .route(
            "/2023-03-01/management/token",
            post(exchange_authorization_code),
        )
        .route("/providers", get(list_providers))
        .with_state(state)
}

/// The spec's example for (operation, status), else any example with that status.
fn example(operation: &str, status: u16) -> Value {
    let status = status.to_string();
    let wanted = RESPONSE_EXAMPLES
        .iter()
        .find(|(op, s, ..)| *op == operation && *s == status)
        .or_else(|| RESPONSE_EXAMPLES.iter().find(|(_, s, ..)| *s == status));
    match wanted {
        Some((.., text)) => {
            serde_json::from_str(text).expect("examples are JSON (checked by the build)")
        }
        None => json!({"message": format!("sandbox answer {status}")}),
    }
}

fn answer(status: u16, body: Value) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(body)).into_response()
}

/// Counting, latency and forced faults, before any route does its work.
async fn enter(state: &State, operation: &str, headers: &HeaderMap) -> Result<(), Response> {
    if operation == "request_token" {
        state.token_requests.fetch_add(1, Ordering::SeqCst);
    } else {
        *lock(&state.api_requests)
            .entry(operation.to_owned())
            .or_default() += 1;
    }
    if let Some(user) = headers.get("user-id").and_then(|v| v.to_str().ok()) {
        lock(&state.user_ids).push(user.to_owned());
    }
    let latency = *lock(&state.latency);
    if !latency.is_zero() {
        state.config.clock.sleep(latency).await;
    }
    let fault = {
        let mut faults = lock(&state.faults);
        let queue = faults.get_mut(operation);
        queue.and_then(|q| (!q.is_empty()).then(|| q.remove(0)))
    };
    match fault {
        None => Ok(()),
        Some(Fault::Status(status)) => Err(answer(status, example(operation, status))),
        Some(Fault::TooManyRequests { retry_after }) => {
            let mut response = answer(429, example(operation, 429));
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
            Err(response)
        }
    }
}

/// The issued token in `X-Auth-Token`: 401 if missing, unknown or expired, 403 if
/// disconnected.
fn authorize(
    state: &State,
    operation: &str,
    headers: &HeaderMap,
) -> Result<(String, Issued), Response> {
    let token = headers
        .get("x-auth-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let issued = lock(&state.tokens).get(token).cloned();
    match issued {
        Some(issued) if issued.disconnected => Err(answer(403, example(operation, 403))),
        Some(issued) if state.now() < issued.expires_at => Ok((token.to_owned(), issued)),
        _ => Err(answer(401, example(operation, 401))),
    }
}

async fn request_token(
    Shared(state): Shared<Arc<State>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(fault) = enter(&state, "request_token", &headers).await {
        return fault;
    }
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let oauth_error = |status: u16, code: &str, description: &str| {
        let mut body = example("request_token", status);
        body["error"] = json!(code);
        body["error_description"] = json!(description);
        answer(status, body)
    };
    if field("grant_type").as_deref() != Some("client_credentials") {
        return oauth_error(
            400,
            "unsupported_grant_type",
            "Only the client_credentials grant is supported.",
        );
    }
    let (id, secret) = match basic_credentials(&headers) {
        Some(pair) => pair,
        None => (
            field("client_id").unwrap_or_default(),
            field("client_secret").unwrap_or_default(),
        ),
    };
    let config = &state.config;
    if id != config.client_id || secret != config.client_secret.expose_secret() {
        return oauth_error(401, "invalid_client", "Client authentication failed.");
    }
    let scope = field("scope");
    let (token, jti) = mint(&state, scope.as_deref());
    let lifetime = config.token_lifetime;
    lock(&state.tokens).insert(
        token.clone(),
        Issued {
            jti,
            scope: scope.clone(),
            expires_at: state.now() + lifetime,
            disconnected: false,
        },
    );
    let mut body = json!({"access_token": token, "token_type": "Bearer", "expires_in": lifetime.as_secs().max(1)});
    if let Some(scope) = scope {
        body["scope"] = json!(scope);
    }
    let mut response = answer(200, body);
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
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

/// A JWT-shaped token: `alg: none`, claims `jti`, `iat`, `exp`, `scope`, `sub`, and a
/// random signature.
fn mint(state: &State, scope: Option<&str>) -> (String, String) {
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let jti = format!("{:032x}", fastrand::u128(..));
    let iat = state
        .system_now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let claims = json!({
        "jti": jti,
        "iat": iat,
        "exp": iat + state.config.token_lifetime.as_secs(),
        "scope": scope.unwrap_or(""),
        "sub": state.config.client_id,
    });
    let signature: Vec<u8> = (0..32).map(|_| fastrand::u8(..)).collect();
    let token = format!(
        "{}.{}.{}",
        b64(br#"{"alg":"none","typ":"JWT"}"#),
        b64(claims.to_string().as_bytes()),
        b64(&signature)
    );
    (token, jti)
}

/// The common shape of an API route: enter, authorize, answer.
async fn api(
    state: &State,
    operation: &str,
    headers: &HeaderMap,
    work: impl FnOnce(&str, &Issued) -> Outcome,
) -> Response {
    let checked = async {
        enter(state, operation, headers).await?;
        let (token, issued) = authorize(state, operation, headers)?;
        work(&token, &issued)
    };
    match checked.await {
        Ok(response) | Err(response) => response,
    }
}

async fn list_tokens(Shared(state): Shared<Arc<State>>, headers: HeaderMap) -> Response {
    api(&state, "list_tokens", &headers, |_, _| {
        Ok(answer(200, example("list_tokens", 200)))
    })
    .await
}

async fn introspect_token(Shared(state): Shared<Arc<State>>, headers: HeaderMap) -> Response {
    api(&state, "introspect_token", &headers, |_, issued| {
        let mut body = example("introspect_token", 200);
        body["client_id"] = json!(state.config.client_id);
        if let Some(scope) = &issued.scope {
            body["scopes"] = json!(scope.split_whitespace().collect::<Vec<_>>());
        }
        Ok(answer(200, body))
    })
    .await
}

async fn disconnect_token(Shared(state): Shared<Arc<State>>, headers: HeaderMap) -> Response {
    api(&state, "disconnect_token", &headers, |token, _| {
        if let Some(issued) = lock(&state.tokens).get_mut(token) {
            issued.disconnected = true;
            tracing::debug!(target: "flowpayroll::sandbox", jti = %issued.jti, "token disconnected");
        }
        Ok(answer(200, example("disconnect_token", 200)))
    })
    .await
}

async fn get_client(Shared(state): Shared<Arc<State>>, headers: HeaderMap) -> Response {
    api(&state, "get_client", &headers, |_, _| {
        let mut body = example("get_client", 200);
        body["client_id"] = json!(state.config.client_id);
        Ok(answer(200, body))
    })
    .await
}

async fn update_client(
    Shared(state): Shared<Arc<State>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    api(&state, "update_client", &headers, |_, _| {
        let update: crate::types::ClientUpdate =
            serde_json::from_slice(&body).map_err(|e| bad_request("update_client", &e))?;
        let mut settings = serde_json::to_value(update).expect("a decoded update encodes");
        settings["client_id"] = json!(state.config.client_id);
        Ok(answer(200, settings))
    })
    .await
}

async fn exchange_authorization_code(
    Shared(state): Shared<Arc<State>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    api(&state, "exchange_authorization_code", &headers, |_, _| {
        let exchange: crate::types::AuthorizationCodeExchange = serde_json::from_slice(&body)
            .map_err(|e| bad_request("exchange_authorization_code", &e))?;
        let config = &state.config;
        if exchange.client_id != config.client_id || exchange.client_secret != config.client_secret
        {
            let mut body = example("exchange_authorization_code", 400);
            body["message"] = json!("client_id or client_secret is wrong");
            return Err(answer(400, body));
        }
        Ok(answer(201, example("exchange_authorization_code", 201)))
    })
    .await
}

async fn list_providers(Shared(state): Shared<Arc<State>>, headers: HeaderMap) -> Response {
    api(&state, "list_providers", &headers, |_, _| {
        Ok(answer(200, example("list_providers", 200)))
    })
    .await
}

fn bad_request(operation: &str, error: &serde_json::Error) -> Response {
    let mut body = example(operation, 400);
    body["message"] = json!("the request body does not match the spec");
    body["validation_error"] = json!(error.to_string());
    answer(400, body)
}
