//! Connect timeouts named by the step that stalled, each against a real local socket:
//! a listener whose accept queue is full (the SYN gets no answer: TCP), a server that
//! accepts and never answers the ClientHello (the TLS handshake), a proxy that accepts
//! and never answers `CONNECT` (its tunnel), and a proxy that opens the tunnel to a
//! server that never answers (the TLS handshake, through the proxy). Each asserts the
//! phase, the message, the action and the retry decision (three connections for three
//! attempts: a stall is transient), never the elapsed time.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use flowpayroll::{Error, FlowPayroll, Limit, Phase, TokenRequestPolicy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::servers::serve;

fn client(token_url: &str, proxy: Option<String>) -> FlowPayroll {
    let builder = FlowPayroll::builder()
        .credentials("cause-client", "cause-secret-value")
        .token_url(token_url)
        .connect_timeout(Duration::from_millis(200))
        .token_timeout(Duration::from_secs(5))
        .token_request_policy(
            TokenRequestPolicy::default()
                .with_attempts(3)
                .with_base_backoff(Duration::from_millis(1))
                .with_max_backoff(Duration::from_millis(2)),
        );
    match proxy {
        Some(proxy) => builder.https_proxy(proxy),
        None => builder.no_proxy(),
    }
    .build()
    .unwrap()
}

/// The mint's error: a connect timeout in `phase` for `host`, with `message`; transient
/// and retried (`count`, when the server can count, saw three connections).
async fn assert_stall(
    fp: &FlowPayroll,
    count: Option<&AtomicUsize>,
    phase: Phase,
    host: &str,
    message: &str,
) -> Error {
    let error = fp.authenticate().await.unwrap_err();
    let Error::Timeout {
        limit,
        phase: seen,
        host: seen_host,
        ..
    } = &error
    else {
        panic!("{error:?}");
    };
    assert_eq!(*limit, Limit::Connect);
    assert_eq!(*seen, Some(phase), "{error}");
    assert_eq!(seen_host.as_deref(), Some(host));
    assert_eq!(error.to_string(), message);
    assert!(error.is_transient());
    if let Some(count) = count {
        assert_eq!(count.load(Ordering::SeqCst), 3, "{error}");
    }
    error
}

/// A client whose https requests go through the proxy at `address`, to a host that does
/// not resolve here (only the proxy could reach it).
fn proxied(address: std::net::SocketAddr) -> FlowPayroll {
    client(
        "https://auth.flowpayroll.invalid/oauth2/token",
        Some(format!("http://{address}")),
    )
}

/// Holds an accepted connection open and silent.
async fn hold(socket: tokio::net::TcpStream) {
    let _held = socket;
    std::future::pending::<()>().await;
}

/// Reads a `CONNECT` request's head and answers it with `reply` (nothing: the tunnel
/// stalls), then holds the connection.
async fn proxy(mut socket: tokio::net::TcpStream, reply: &'static [u8]) {
    let mut head = Vec::new();
    let mut buffer = [0u8; 512];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 8192 {
        match socket.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buffer[..n]),
        }
    }
    assert!(head.starts_with(b"CONNECT auth.flowpayroll.invalid:443 "));
    let _ = socket.write_all(reply).await;
    hold(socket).await;
}

#[tokio::test]
async fn a_server_that_never_answers_the_handshake_is_a_tls_handshake_stall() {
    let (address, count) = serve(hold).await;
    let fp = client(&format!("https://{address}/oauth2/token"), None);
    let error = assert_stall(
        &fp,
        Some(&count),
        Phase::TlsHandshake,
        "127.0.0.1",
        "`request_token`: no TLS handshake from 127.0.0.1 within 200 ms (connect timeout)",
    )
    .await;
    assert_eq!(
        error.action(),
        "the server accepted the TCP connection and sent no TLS answer: check that the port serves TLS and that nothing between holds the handshake, or raise `connect_timeout`"
    );
}

#[tokio::test]
async fn a_proxy_that_never_answers_connect_is_a_tunnel_stall() {
    let (address, count) = serve(|socket| proxy(socket, b"")).await;
    let fp = proxied(address);
    let error = assert_stall(
        &fp,
        Some(&count),
        Phase::ProxyTunnel,
        "auth.flowpayroll.invalid",
        "`request_token`: no tunnel through the https proxy to auth.flowpayroll.invalid within 200 ms (connect timeout)",
    )
    .await;
    assert_eq!(
        error.action(),
        "the https proxy did not open its tunnel: check the proxy URL (HTTPS_PROXY or `https_proxy`) and that the proxy can reach the host, or raise `connect_timeout`"
    );
}

#[tokio::test]
async fn a_stall_past_the_proxy_is_the_servers_tls_handshake() {
    let (address, count) =
        serve(|socket| proxy(socket, b"HTTP/1.1 200 Connection established\r\n\r\n")).await;
    let fp = proxied(address);
    assert_stall(
        &fp,
        Some(&count),
        Phase::TlsHandshake,
        "auth.flowpayroll.invalid",
        "`request_token`: no TLS handshake from auth.flowpayroll.invalid within 200 ms (connect timeout)",
    )
    .await;
}

#[tokio::test]
async fn a_syn_without_answer_is_a_tcp_stall() {
    // A listener with a backlog of 0 that never accepts: once one connection fills its
    // queue, Linux drops further SYNs and the client waits for a SYN-ACK.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(0).unwrap();
    let address = listener.local_addr().unwrap();
    let mut fillers = Vec::new();
    // Fill the queue: connect until one connection no longer completes at once.
    for _ in 0..8 {
        match tokio::time::timeout(
            Duration::from_millis(200),
            tokio::net::TcpStream::connect(address),
        )
        .await
        {
            Ok(Ok(stream)) => fillers.push(stream),
            _ => break,
        }
    }
    assert!(
        !fillers.is_empty() && fillers.len() < 8,
        "{}",
        fillers.len()
    );
    let fp = client(&format!("https://{address}/oauth2/token"), None);
    assert_stall(
        &fp,
        // The listener accepts nothing, so it cannot count attempts; transient is the
        // retry decision.
        None,
        Phase::Connect,
        "127.0.0.1",
        "`request_token`: no TCP connection to 127.0.0.1 within 200 ms (connect timeout)",
    )
    .await;
    drop(listener);
}
