//! A web app that connects an employer, on axum: `cargo run --example connect_web`, then
//! open the printed address in a browser.
//!
//! Two handlers are what to copy. `start` makes a sign-in link and keeps its pending
//! sign-in in a cookie of the browser that asked (HttpOnly, SameSite=Lax, ten minutes);
//! `callback` completes that pending sign-in with the query the sign-in page sent back:
//! the `state` must be the cookie's (a callback forged for another browser is refused),
//! then the code is exchanged. With `FLOWPAYROLL_CLIENT_ID` set it uses the configured
//! client (`FlowPayroll::from_env`) and `http://127.0.0.1:${PORT}/callback` must be one of
//! its redirect URIs (the exports `flowpayroll sandbox serve` prints do that, and its
//! client accepts this callback on any port: `.ci/browser-connect` runs it so); without
//! it, it starts the embedded sandbox, whose sign-in page plays the provider.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use base64::Engine as _;
use flowpayroll::connect::{Connect, PendingSignIn};
use flowpayroll::types::Scope;
use flowpayroll::FlowPayroll;

/// The cookie that holds the pending sign-in between the two requests.
const COOKIE: &str = "flowpayroll_sign_in";

/// What the handlers share.
#[derive(Debug)]
pub struct App {
    /// Starts and completes sign-ins (`fp.connect()`).
    pub connect: Connect,
    /// Where the sign-in page sends the browser back: this app's `/callback`.
    pub redirect_uri: String,
}

/// The app's routes: a home page, `start` and `callback`.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/connect", get(start))
        .route("/callback", get(callback))
        .with_state(app)
}

async fn home() -> Html<&'static str> {
    Html("<!doctype html><title>Payroll sync</title><p><a href=\"/connect\">Connect your HR or payroll system</a></p>")
}

/// Step 1: a link to the sign-in page; the pending sign-in goes into this browser's
/// cookie, so that only this browser can complete it.
async fn start(State(app): State<Arc<App>>) -> Response {
    let link = match app
        .connect
        .sign_in(&app.redirect_uri)
        .scopes([Scope::from("/2023-03-01/official/employees")])
        .start()
    {
        Ok(link) => link,
        Err(error) => {
            return (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response()
        }
    };
    let pending = serde_json::to_vec(&link.pending).expect("a pending sign-in serializes");
    let cookie = format!(
        "{COOKIE}={}; Path=/callback; Max-Age=600; HttpOnly; SameSite=Lax",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(pending)
    );
    (
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, link.url.to_string()),
            (header::SET_COOKIE, cookie),
        ],
    )
        .into_response()
}

/// Step 2: the sign-in page sent the browser back. Complete the sign-in this browser
/// started (checks the state, a refusal, the expiry) and exchange the code.
async fn callback(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let forget = format!("{COOKIE}=; Path=/callback; Max-Age=0");
    let Some(pending) = pending_of(&headers) else {
        let page = Html(
            "<p>No sign-in was started in this browser. <a href=\"/connect\">Start one</a>.</p>",
        );
        return (StatusCode::BAD_REQUEST, page).into_response();
    };
    let query = query.unwrap_or_default();
    match app.connect.complete_pending(pending, &query).await {
        // Store `connection.access_token` with the customer's account here.
        Ok(connection) => {
            let scopes: Vec<String> = connection.scopes.iter().map(ToString::to_string).collect();
            let page = format!(
                "<p>Connected: {} ({}), scopes {}.</p>",
                html(&connection.provider.to_string()),
                html(&connection.mode.to_string()),
                html(&scopes.join(" "))
            );
            ([(header::SET_COOKIE, forget)], Html(page)).into_response()
        }
        // Refused, expired, forged, or the exchange failed: say so, nothing is stored.
        Err(error) => {
            let page = format!(
                "<p>Not connected: {}. <a href=\"/connect\">Try again</a>.</p>",
                html(&error.to_string())
            );
            (
                StatusCode::BAD_REQUEST,
                [(header::SET_COOKIE, forget)],
                Html(page),
            )
                .into_response()
        }
    }
}

/// The pending sign-in in the request's cookie, if there is a readable one.
fn pending_of(headers: &HeaderMap) -> Option<PendingSignIn> {
    let cookies = headers.get(header::COOKIE)?.to_str().ok()?;
    let value = cookies
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)?
        .1;
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(value)
        .ok()?;
    serde_json::from_slice(&json).ok()
}

fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[allow(dead_code)] // `tests/connect_web_app.rs` includes this file for `router`.
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let address = listener.local_addr()?;
    let mut sandbox = None;
    let fp = if std::env::var_os("FLOWPAYROLL_CLIENT_ID").is_some() {
        FlowPayroll::from_env()?
    } else {
        let started = flowpayroll::sandbox::Sandbox::start().await?;
        let fp = started.client_builder().build()?;
        println!(
            "Embedded sandbox on {} (its sign-in page plays the provider)",
            started.url()
        );
        sandbox = Some(started);
        fp
    };
    let app = Arc::new(App {
        connect: fp.connect(),
        redirect_uri: format!("http://{address}/callback"),
    });
    println!("Open http://{address}/ in a browser; Ctrl-C stops.");
    axum::serve(listener, router(app))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    if let Some(sandbox) = sandbox {
        sandbox.shutdown().await;
    }
    Ok(())
}
