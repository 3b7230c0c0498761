//! `flowpayroll connect`: starts a sign-in, prints its link (and opens a browser when
//! asked and one is there), receives the callback on 127.0.0.1, checks it, exchanges
//! the code and returns the new connection, its token left out unless asked for.

use std::io::Write as _;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use flowpayroll::connect::{ConnectError, SIGN_IN_LIFETIME};
use flowpayroll::types::{ConnectionToken, Mode, Provider, Scope};
use flowpayroll::{Error, FlowPayroll};
use serde_json::json;
use tokio::sync::{mpsc, oneshot};

use crate::failure::{Failure, Waiting};
use crate::render::View;

/// What `connect` was asked for (see `args::Command::Connect`).
#[derive(Debug)]
pub struct Request {
    pub scopes: Vec<String>,
    pub mode: Option<String>,
    pub provider: Option<String>,
    pub port: u16,
    pub open_browser: bool,
    pub show_token: bool,
    pub sign_in_url: Option<String>,
}

/// The path the callback comes to on the local port.
const CALLBACK_PATH: &str = "/callback";
/// The longest callback query read (the library's bound, checked again there).
const MAX_QUERY: usize = flowpayroll::connect::MAX_CALLBACK_LEN;

/// One callback and where to say how it ended.
type Arrival = (String, oneshot::Sender<Result<(), String>>);

/// Runs the sign-in and returns the connection.
pub async fn run(fp: FlowPayroll, request: Request) -> Result<View, Failure> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", request.port))
        .await
        .map_err(|e| Error::Io {
            context: format!(
                "cannot listen for the callback on 127.0.0.1:{}",
                request.port
            ),
            source: Arc::new(e),
        })?;
    let port = listener
        .local_addr()
        .map(|a| a.port())
        .unwrap_or(request.port);
    let redirect_uri = format!("http://127.0.0.1:{port}{CALLBACK_PATH}");
    let mut connect = fp.connect();
    if let Some(url) = &request.sign_in_url {
        let url = flowpayroll::deps::url::Url::parse(url)
            .map_err(|e| Error::Config(format!("--sign-in-url is not a URL: {e}")))?;
        connect = connect.with_sign_in_url(url);
    }
    let mut sign_in = connect
        .sign_in(&redirect_uri)
        .scopes(request.scopes.iter().map(|s| Scope::from(s.as_str())));
    if let Some(mode) = &request.mode {
        sign_in = sign_in.mode(Mode::from(mode.as_str()));
    }
    if let Some(provider) = &request.provider {
        sign_in = sign_in.provider(Provider::from(provider.as_str()));
    }
    let link = sign_in.start()?;

    let (arrivals, mut arrived) = mpsc::channel::<Arrival>(8);
    let app = Router::new()
        .route(CALLBACK_PATH, get(callback))
        .with_state(arrivals);
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
    });

    let mut err = std::io::stderr().lock();
    let _ = writeln!(
        err,
        "Open this link in a browser to connect an employer:\n\n  {}\n",
        link.url
    );
    let _ = writeln!(
        err,
        "Waiting for the sign-in to come back to {redirect_uri} (at most {} minutes; Ctrl-C stops).",
        SIGN_IN_LIFETIME.as_secs() / 60
    );
    drop(err);
    if request.open_browser {
        open_browser(link.url.as_str());
    }

    let outcome = wait(&connect, &mut arrived, &redirect_uri).await;
    let _ = stop.send(());
    let _ = server.await;
    let connection = outcome?;
    Ok(view(&connection, request.show_token))
}

/// Waits, at most the sign-in's lifetime, for this sign-in's callback to arrive and
/// completes it; stray callbacks are answered and ignored.
async fn wait(
    connect: &flowpayroll::connect::Connect,
    arrived: &mut mpsc::Receiver<Arrival>,
    redirect_uri: &str,
) -> Result<ConnectionToken, Failure> {
    let outcome = tokio::time::timeout(SIGN_IN_LIFETIME, async {
        loop {
            let Some((query, reply)) = arrived.recv().await else {
                return Err(Failure::from(Waiting::ListenerStopped));
            };
            let callback = format!("{redirect_uri}?{query}");
            match connect.complete(&callback).await {
                Ok(connection) => {
                    let _ = reply.send(Ok(()));
                    return Ok(connection);
                }
                // Not this sign-in's callback (a stray or forged request): keep waiting.
                Err(Error::Connect(ConnectError::UnknownSignIn | ConnectError::StateMismatch)) => {
                    let _ = reply.send(Err("this is not the sign-in being waited for".to_owned()));
                    let _ = writeln!(
                        std::io::stderr(),
                        "ignored a callback that does not belong to this sign-in; still waiting"
                    );
                }
                Err(error) => {
                    let _ = reply.send(Err(error.to_string()));
                    return Err(Failure::from(error));
                }
            }
        }
    })
    .await;
    outcome.unwrap_or(Err(Failure::from(Waiting::TimedOut {
        minutes: SIGN_IN_LIFETIME.as_secs() / 60,
    })))
}

/// `GET /callback?...`: hands the query over and answers the browser with the outcome.
async fn callback(
    State(arrivals): State<mpsc::Sender<Arrival>>,
    RawQuery(query): RawQuery,
) -> Response {
    let query = query.unwrap_or_default();
    if query.len() > MAX_QUERY {
        return (StatusCode::URI_TOO_LONG, "the callback is too long").into_response();
    }
    let (reply, outcome) = oneshot::channel();
    if arrivals.send((query, reply)).await.is_err() {
        return (StatusCode::GONE, "the sign-in is over").into_response();
    }
    match tokio::time::timeout(Duration::from_secs(120), outcome).await {
        Ok(Ok(Ok(()))) => Html(page(
            "Connected",
            "The employer is connected. You can close this window.",
        ))
        .into_response(),
        Ok(Ok(Err(why))) => {
            (StatusCode::BAD_REQUEST, Html(page("Not connected", &why))).into_response()
        }
        _ => (StatusCode::GATEWAY_TIMEOUT, "no answer").into_response(),
    }
}

fn page(title: &str, text: &str) -> String {
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    format!(
        "<!doctype html><meta charset=\"utf-8\"><title>{}</title><p>{}</p>",
        escape(title),
        escape(text)
    )
}

/// The connection without its token, unless `show_token`.
fn view(connection: &ConnectionToken, show_token: bool) -> View {
    let scopes: Vec<String> = connection.scopes.iter().map(ToString::to_string).collect();
    let mut value = json!({
        "provider": connection.provider,
        "mode": connection.mode,
        "scopes": connection.scopes,
        "token_type": connection.token_type,
    });
    let mut row = vec![
        connection.provider.to_string(),
        connection.mode.to_string(),
        scopes.join(" "),
    ];
    let mut headers = vec!["PROVIDER", "MODE", "SCOPES"];
    if show_token {
        value["access_token"] = json!(connection.access_token.expose_secret());
        row.push(connection.access_token.expose_secret().to_owned());
        headers.push("ACCESS TOKEN");
    }
    View::new(value, &headers, vec![row])
}

/// Asks the desktop to open `url`; a machine without one (a server, CI) just has the
/// printed link. The platform's opener is one command, so no crate is used for it.
fn open_browser(url: &str) {
    let opener: &[&str] = if cfg!(target_os = "macos") {
        &["open"]
    } else if cfg!(windows) {
        &["rundll32", "url.dll,FileProtocolHandler"]
    } else {
        &["xdg-open"]
    };
    let spawned = std::process::Command::new(opener[0])
        .args(&opener[1..])
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if spawned.is_err() {
        let _ = writeln!(
            std::io::stderr(),
            "(no browser could be opened: open the link yourself)"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> FlowPayroll {
        FlowPayroll::builder()
            .credentials("wait-client", "wait-secret")
            .build()
            .unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn no_callback_within_the_lifetime_is_a_timeout() {
        let connect = client().connect();
        // The sender stays: the listener runs, nothing arrives.
        let (_arrivals, mut arrived) = mpsc::channel::<Arrival>(1);
        let Err(Failure::Waiting(waiting)) =
            wait(&connect, &mut arrived, "http://127.0.0.1:1/callback").await
        else {
            panic!("not a timeout");
        };
        assert_eq!(waiting, Waiting::TimedOut { minutes: 10 });
        assert_eq!(waiting.exit_code(), 4);
    }

    #[tokio::test(start_paused = true)]
    async fn a_listener_that_stops_ends_the_wait() {
        let connect = client().connect();
        let (arrivals, mut arrived) = mpsc::channel::<Arrival>(1);
        drop(arrivals);
        let Err(Failure::Waiting(waiting)) =
            wait(&connect, &mut arrived, "http://127.0.0.1:1/callback").await
        else {
            panic!("not a stopped listener");
        };
        assert_eq!(waiting, Waiting::ListenerStopped);
        assert_eq!(waiting.exit_code(), 4);
    }

    #[tokio::test(start_paused = true)]
    async fn a_stray_callback_is_answered_and_the_wait_goes_on() {
        let connect = client().connect();
        let (arrivals, mut arrived) = mpsc::channel::<Arrival>(1);
        let (reply, answer) = oneshot::channel();
        arrivals
            .send(("code=c&state=not-this-one".to_owned(), reply))
            .await
            .unwrap();
        let outcome = wait(&connect, &mut arrived, "http://127.0.0.1:1/callback").await;
        assert_eq!(
            answer.await.unwrap(),
            Err("this is not the sign-in being waited for".to_owned())
        );
        assert!(matches!(
            outcome,
            Err(Failure::Waiting(Waiting::TimedOut { minutes: 10 }))
        ));
    }
}
