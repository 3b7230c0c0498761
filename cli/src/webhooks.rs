//! `flowpayroll webhooks ...`: a local receiver that verifies each delivery with the
//! configured client secret, prints it (escaped) and optionally forwards it, and a
//! one-shot check of a saved body against a signature.
//!
//! The key is the client secret, `FLOWPAYROLL_CLIENT_SECRET`, taken whole (never a flag:
//! a command line is visible to other users of the machine), and
//! `FLOWPAYROLL_WEBHOOK_SECRETS`, comma-separated, adds the other side of a rotation.

use std::io::{Read as _, Write as _};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Router;
use flowpayroll::deps::reqwest;
use flowpayroll::types::EmployeesChanged;
use flowpayroll::webhook::{
    ReplayGuard, Verifier, WebhookError, ORIGIN_HEADER, SIGNATURE_HEADER, UPSTREAM_SIGNATURE_HEADER,
};
use flowpayroll::{Error, SecretString};

use crate::escape::escape;
use crate::failure::Failure;

/// The largest delivery accepted, in bytes.
const MAX_BODY: usize = 1024 * 1024;
/// How long a forward may take.
const FORWARD_TIMEOUT: Duration = Duration::from_secs(10);

/// The verifier from the environment's secrets: `FLOWPAYROLL_CLIENT_SECRET` whole (a
/// secret may hold a comma), and each comma-separated one of `FLOWPAYROLL_WEBHOOK_SECRETS`.
fn verifier() -> Result<Verifier, Error> {
    let mut secrets: Vec<SecretString> = Vec::new();
    if let Ok(secret) = std::env::var("FLOWPAYROLL_CLIENT_SECRET") {
        secrets.push(SecretString::new(secret));
    }
    if let Ok(list) = std::env::var("FLOWPAYROLL_WEBHOOK_SECRETS") {
        let list = SecretString::new(list);
        secrets.extend(
            list.expose_secret()
                .split(',')
                .filter(|s| !s.is_empty())
                .map(SecretString::from),
        );
    }
    Verifier::from_secrets(
        secrets
            .into_iter()
            .filter(|s| !s.expose_secret().is_empty()),
    )
    .ok_or_else(|| {
        Error::Config(
            "webhooks need FLOWPAYROLL_CLIENT_SECRET (the client secret signs them)".into(),
        )
    })
}

/// `webhooks verify --body FILE --signature SIG`.
pub fn verify(body: &Path, signature: &str) -> Result<(), Failure> {
    let verifier = verifier()?;
    let mut bytes = Vec::new();
    std::fs::File::open(body)
        .and_then(|file| file.take(MAX_BODY as u64 + 1).read_to_end(&mut bytes))
        .map_err(|e| {
            Error::Config(format!(
                "cannot read {}: {e}",
                escape(&body.display().to_string())
            ))
        })?;
    if bytes.len() > MAX_BODY {
        return Err(Error::Config(format!(
            "{} is over {MAX_BODY} bytes",
            escape(&body.display().to_string())
        ))
        .into());
    }
    verifier
        .verify_signature(&bytes, signature)
        .map_err(Error::from)?;
    writeln!(std::io::stdout(), "verified: {} bytes", bytes.len())?;
    Ok(())
}

struct Listener {
    verifier: Verifier,
    guard: ReplayGuard,
    forward: Option<(reqwest::Client, reqwest::Url)>,
    count: AtomicU64,
}

/// `webhooks listen --port P [--forward URL]`: serves until Ctrl-C.
pub async fn listen(port: u16, forward: Option<String>) -> Result<(), Failure> {
    let verifier = verifier()?;
    let forward = match forward {
        None => None,
        Some(url) => {
            let url = reqwest::Url::parse(&url)
                .map_err(|e| Error::Config(format!("--forward is not a URL: {e}")))?;
            let client = reqwest::Client::builder()
                .timeout(FORWARD_TIMEOUT)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| Error::Config(format!("cannot build the forwarding client: {e}")))?;
            Some((client, url))
        }
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| io_error(format!("cannot listen on 127.0.0.1:{port}"), e))?;
    let address = listener
        .local_addr()
        .map_err(|e| io_error("no local address".to_owned(), e))?;
    let state = Arc::new(Listener {
        verifier,
        guard: ReplayGuard::new(Duration::from_secs(3600), 10_000),
        forward,
        count: AtomicU64::new(0),
    });
    let app = Router::new()
        .fallback(receive)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn(
            crate::listener::within_body_timeout,
        ))
        .with_state(state);
    {
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "Listening for webhooks on http://{address}/ (any path); Ctrl-C stops it."
        )?;
        writeln!(
            out,
            "Point the client at it: flowpayroll client update --webhook-uri http://{address}/"
        )?;
        out.flush()?;
    }
    crate::listener::serve(listener, app, async {
        // Without a handler of its own, Ctrl-C keeps its default effect (the process
        // ends), so a failed registration serves on instead of stopping.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    })
    .await;
    Ok(())
}

/// A local I/O failure, as the library reports its own (`Error::Io`).
fn io_error(context: String, source: std::io::Error) -> Error {
    Error::Io {
        context,
        source: Arc::new(source),
    }
}

async fn receive(
    State(state): State<Arc<Listener>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let n = state.count.fetch_add(1, Ordering::SeqCst) + 1;
    let origin = headers
        .get(ORIGIN_HEADER)
        .or_else(|| headers.get("x-affix-api-origin"))
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .unwrap_or_else(|| "-".to_owned());
    let verdict = state
        .verifier
        .verify_json::<EmployeesChanged>(&body, &headers)
        .and_then(|change| state.guard.check(&body).map(|()| change));
    let (status, line) = match &verdict {
        Ok(change) => (
            StatusCode::NO_CONTENT,
            format!(
                "#{n} verified, {} bytes, origin {}: added {}, removed {}, updated {}",
                body.len(),
                escape(&origin),
                change.added.len(),
                change.removed.len(),
                change.updated.len()
            ),
        ),
        Err(WebhookError::Replayed) => (
            StatusCode::OK,
            format!(
                "#{n} replay refused (already received), {} bytes",
                body.len()
            ),
        ),
        Err(error) => (StatusCode::UNAUTHORIZED, format!("#{n} refused: {error}")),
    };
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    if verdict.is_ok() {
        let _ = writeln!(out, "{}", escape(&String::from_utf8_lossy(&body)));
    }
    drop(out);
    if let (Ok(_), Some((client, url))) = (&verdict, &state.forward) {
        forward(n, client.clone(), url.clone(), &headers, body);
    }
    status
}

/// Sends a verified body on with its signature, in the background (the delivery is
/// answered at once).
fn forward(n: u64, client: reqwest::Client, url: reqwest::Url, headers: &HeaderMap, body: Bytes) {
    let mut request = client.post(url).header("content-type", "application/json");
    for name in [SIGNATURE_HEADER, UPSTREAM_SIGNATURE_HEADER, ORIGIN_HEADER] {
        if let Some(value) = headers.get(name) {
            request = request.header(name, value.as_bytes());
        }
    }
    tokio::spawn(async move {
        let line = match request.body(body).send().await {
            Ok(answer) => format!("#{n} forwarded: HTTP {}", answer.status().as_u16()),
            Err(error) => format!(
                "#{n} forward failed: {}",
                if error.is_timeout() {
                    "timed out".to_owned()
                } else {
                    "no answer".to_owned()
                }
            ),
        };
        let _ = writeln!(std::io::stdout(), "{line}");
    });
}
