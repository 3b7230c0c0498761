//! Each transport cause produced against a real server on 127.0.0.1: TLS servers with
//! certificates made here by rcgen (expired, not yet valid, for another host, from an
//! unknown CA), a TLS 1.0-only `openssl s_server` (Debian's openssl, security level 0),
//! tinyproxy asking for credentials, a socket that accepts and never answers, and one
//! that resets. Each test asserts the message, the typed cause and the retry decision
//! (how many connections the token endpoint got out of three attempts). Stalls, each
//! named by the step it stalled in, are in `stalls.rs`.

mod servers;
mod stalls;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use flowpayroll::{
    CertificateProblem, Error, FlowPayroll, ProxyProblem, TlsProblem, TokenRequestPolicy,
    TransportCause,
};
use servers::{free_port, pki, resetting, start, tls_server};

/// Three attempts with 1 ms backoffs: what a transient cause gets, quickly.
fn three_attempts() -> TokenRequestPolicy {
    TokenRequestPolicy::default()
        .with_attempts(3)
        .with_base_backoff(Duration::from_millis(1))
        .with_max_backoff(Duration::from_millis(2))
}

fn client(url: &str, ca: Option<&str>) -> FlowPayroll {
    let mut builder = FlowPayroll::builder()
        .credentials("cause-client", "cause-secret-value")
        .token_url(format!("{url}/oauth2/token"))
        .api_url(url)
        .no_proxy()
        .token_request_policy(three_attempts());
    if let Some(ca) = ca {
        builder = builder.add_root_certificate(ca.as_bytes().to_vec());
    }
    builder.build().unwrap()
}

/// Mints against `url`; the error, after checking it keeps no secret.
async fn mint_error(fp: &FlowPayroll) -> Error {
    let error = fp.authenticate().await.unwrap_err();
    assert!(!error.to_string().contains("cause-secret-value"), "{error}");
    error
}

/// A permanent cause: one connection out of three attempts, not transient, and the
/// second mint answered from the cooldown without a new connection.
async fn assert_permanent(fp: &FlowPayroll, count: &AtomicUsize, error: &Error) {
    assert!(!error.is_transient(), "{error}");
    assert_eq!(count.load(Ordering::SeqCst), 1, "{error}");
    let again = fp.authenticate().await.unwrap_err();
    assert_eq!(again.to_string(), error.to_string());
    assert_eq!(count.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_expired_certificate_is_permanent_and_dated_in_rfc_3339() {
    let pki = pki(&["127.0.0.1"], |p| {
        p.not_before = rcgen::date_time_ymd(2020, 1, 1);
        p.not_after = rcgen::date_time_ymd(2021, 1, 1);
    });
    let (address, count) = tls_server(&pki).await;
    let fp = client(&format!("https://{address}"), Some(&pki.ca_pem));
    let error = mint_error(&fp).await;
    let Some(TransportCause::Certificate(CertificateProblem::Expired { not_after, now })) =
        error.transport_cause()
    else {
        panic!("{error:?}");
    };
    assert_eq!(
        *not_after,
        Some(std::time::UNIX_EPOCH + Duration::from_secs(1_609_459_200))
    );
    assert!(now.is_some());
    let text = error.to_string();
    assert!(
        text.starts_with(
            "`request_token` (127.0.0.1): the server's certificate expired at 2021-01-01T00:00:00Z (the client's clock says "
        ),
        "{text}"
    );
    assert_eq!(
        error.action(),
        "check the system clock; if it is right, the server must renew its certificate"
    );
    assert_permanent(&fp, &count, &error).await;
}

#[tokio::test]
async fn a_certificate_not_yet_valid_is_permanent() {
    let pki = pki(&["127.0.0.1"], |p| {
        p.not_before = rcgen::date_time_ymd(2090, 1, 1);
        p.not_after = rcgen::date_time_ymd(2091, 1, 1);
    });
    let (address, count) = tls_server(&pki).await;
    let fp = client(&format!("https://{address}"), Some(&pki.ca_pem));
    let error = mint_error(&fp).await;
    assert!(
        matches!(
            error.transport_cause(),
            Some(TransportCause::Certificate(
                CertificateProblem::NotYetValid { .. }
            ))
        ),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .contains("is not valid yet: it starts at 2090-01-01T00:00:00Z"),
        "{error}"
    );
    assert_permanent(&fp, &count, &error).await;
}

#[tokio::test]
async fn a_certificate_for_another_host_is_permanent() {
    let pki = pki(&["auth.example.com"], |_| {});
    let (address, count) = tls_server(&pki).await;
    let fp = client(&format!("https://{address}"), Some(&pki.ca_pem));
    let error = mint_error(&fp).await;
    assert_eq!(
        error.to_string(),
        "`request_token` (127.0.0.1): the server's certificate is for another host name"
    );
    assert_permanent(&fp, &count, &error).await;
}

#[tokio::test]
async fn a_certificate_from_an_untrusted_ca_is_permanent_and_points_to_the_ca_option() {
    let pki = pki(&["127.0.0.1"], |_| {});
    let (address, count) = tls_server(&pki).await;
    let fp = client(&format!("https://{address}"), None);
    let error = mint_error(&fp).await;
    assert_eq!(
        error.transport_cause(),
        Some(&TransportCause::Certificate(
            CertificateProblem::UnknownIssuer
        ))
    );
    assert_eq!(
        error.to_string(),
        "`request_token` (127.0.0.1): the server's certificate is not signed by an authority the client trusts"
    );
    assert!(error.action().contains("add_root_certificate"));
    assert!(error.action().contains("--ca-file"));
    assert_permanent(&fp, &count, &error).await;
}

#[tokio::test]
async fn a_tls_1_0_only_server_is_a_permanent_protocol_version_failure() {
    let pki = pki(&["127.0.0.1"], |_| {});
    let dir = std::env::temp_dir().join(format!("flowpayroll-tls10-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (cert, key) = (dir.join("cert.der"), dir.join("key.der"));
    std::fs::write(&cert, pki.leaf.as_ref()).unwrap();
    std::fs::write(&key, pki.key.secret_der()).unwrap();
    let port = free_port();
    let accept = format!("127.0.0.1:{port}");
    let (cert, key) = (cert.to_str().unwrap(), key.to_str().unwrap());
    let _server = start(
        "openssl",
        &[
            "s_server",
            "-quiet",
            "-www",
            "-tls1",
            "-cipher",
            "DEFAULT:@SECLEVEL=0",
            "-accept",
            &accept,
            "-certform",
            "DER",
            "-keyform",
            "DER",
            "-cert",
            cert,
            "-key",
            key,
        ],
        port,
    );
    let fp = client(&format!("https://127.0.0.1:{port}"), Some(&pki.ca_pem));
    let error = mint_error(&fp).await;
    assert_eq!(
        error.transport_cause(),
        Some(&TransportCause::TlsHandshake(TlsProblem::ProtocolVersion))
    );
    assert_eq!(
        error.to_string(),
        "`request_token` (127.0.0.1): the server offers no TLS version the client speaks (1.2 or 1.3)"
    );
    assert!(!error.is_transient());
    // One connection besides `listening`'s probe: not retried.
    let again = fp.authenticate().await.unwrap_err();
    assert_eq!(again.to_string(), error.to_string());
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_proxy_asking_for_credentials_is_permanent() {
    let port = free_port();
    let dir = std::env::temp_dir().join(format!("flowpayroll-proxy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let conf = dir.join("tinyproxy.conf");
    std::fs::write(
        &conf,
        format!("Port {port}\nListen 127.0.0.1\nTimeout 30\nMaxClients 8\nBasicAuth user right-password\n"),
    )
    .unwrap();
    let _proxy = start("tinyproxy", &["-d", "-c", conf.to_str().unwrap()], port);
    let fp = FlowPayroll::builder()
        .credentials("cause-client", "cause-secret-value")
        .token_url("https://auth.flowpayroll.invalid/oauth2/token")
        .https_proxy(format!("http://127.0.0.1:{port}"))
        .token_request_policy(three_attempts())
        .build()
        .unwrap();
    let error = mint_error(&fp).await;
    assert_eq!(
        error.transport_cause(),
        Some(&TransportCause::Proxy(ProxyProblem::AuthenticationRequired))
    );
    let text = error.to_string();
    assert_eq!(
        text,
        "`request_token` (auth.flowpayroll.invalid): the https proxy wants credentials (407 Proxy Authentication Required)"
    );
    assert_eq!(
        error.action(),
        "check the proxy's credentials (user and password in its URL)"
    );
    assert!(!error.is_transient());
    let _ = std::fs::remove_dir_all(&dir);
}

/// A transient cause: retried, three connections for the three attempts.
async fn assert_transient(reply: &'static [u8], cause: TransportCause, message: &str) {
    let (address, count) = resetting(reply).await;
    let fp = client(&format!("http://{address}"), None);
    let error = mint_error(&fp).await;
    assert_eq!(error.transport_cause(), Some(&cause), "{error:?}");
    assert_eq!(error.to_string(), message);
    assert!(error.is_transient());
    assert_eq!(count.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_connection_reset_before_the_headers_is_transient_and_retried() {
    assert_transient(
        b"",
        TransportCause::WaitingForHeaders,
        "`request_token` (127.0.0.1): no valid response headers (connection reset)",
    )
    .await;
}

#[tokio::test]
async fn a_body_that_stops_halfway_is_a_transient_body_read() {
    assert_transient(
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 400\r\n\r\n{\"access_token\":",
        TransportCause::BodyRead,
        "`request_token` (127.0.0.1): the response's body could not be read (connection reset)",
    )
    .await;
}
