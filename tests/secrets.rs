//! No secret ever reaches a log line, an error or a `Debug` output. Everything logged at
//! TRACE during a full flow (mint, call, 401 re-mint, 429 retry, refresh, failing token
//! request) is captured, including the `log` records of the HTTP stack, and searched for
//! the client secret and every access token. The `jti` must be there.

mod common;

use std::time::Duration;

use common::*;
use httpmock::prelude::*;
use serde_json::json;

#[tokio::test]
async fn a_full_flow_logs_jtis_and_never_a_secret_or_token() {
    let captured = common::logs::captured_logs();
    let server = MockServer::start_async().await;
    let tokens: Vec<String> = (1..=3).map(|i| jwt(&format!("jti-audit-{i}"))).collect();
    for token in &tokens {
        let body = json!({"access_token": token, "token_type": "Bearer", "expires_in": 100});
        server
            .mock_async(|when, then| {
                when.method(POST).path("/oauth2/token");
                then.status(200).json_body(body).up_to_n_times(1);
            })
            .await;
    }
    // Then the token endpoint fails (its error must not echo the request either).
    server
        .mock_async(|when, then| {
            when.method(POST).path("/oauth2/token");
            then.status(400)
                .json_body(json!({"error": "invalid_request"}));
        })
        .await;
    // The first token is refused once; the API rate-limits once.
    let first = tokens[0].clone();
    server
        .mock_async(|when, then| {
            when.path("/2023-03-01/management/tokens")
                .header("x-auth-token", first);
            then.status(401).json_body(json!({"message": "expired"}));
        })
        .await;
    rate_limited_once(&server, "/2023-03-01/management/tokens", "0").await;

    let (fp, clock) = client_with_clock(&server);
    let fp = fp.as_user("u-audit").unwrap();
    fp.management().tokens().await.unwrap(); // mint 1, 401, mint 2, 429, retry
    clock.advance(Duration::from_secs(91));
    fp.management().tokens().await.unwrap(); // refresh: mint 3
    eventually("the refresh finished", || !fp.token_status().refreshing).await;
    clock.advance(Duration::from_secs(200));
    let error = fp.management().tokens().await.unwrap_err(); // expired; the endpoint fails

    let mut seen = captured.text();
    seen.push_str(&format!("{fp:?} {error} {error:?} {:?}", fp.token_status()));
    assert!(
        seen.contains("jti-audit-1")
            && seen.contains("jti-audit-2")
            && seen.contains("jti-audit-3"),
        "{seen}"
    );
    assert!(seen.contains("token minted") && seen.contains("token invalidated after 401"));
    assert!(seen.contains("rate limited") && seen.contains("token refresh failed"));
    assert!(
        !seen.contains(CLIENT_SECRET),
        "the client secret leaked:\n{seen}"
    );
    for token in &tokens {
        let payload = token.split('.').nth(1).unwrap();
        assert!(!seen.contains(payload), "an access token leaked:\n{seen}");
    }
    if std::env::var_os("SHOW_CAPTURE").is_some() {
        eprintln!("{seen}");
    }
    // The HTTP stack did log (the capture works), just not the secrets.
    assert!(seen.lines().count() > 10, "{seen}");
}

#[test]
fn debug_of_a_client_shows_no_secret() {
    let client = flowpayroll::FlowPayroll::builder()
        .credentials("id", CLIENT_SECRET)
        .api_url("http://127.0.0.1:1")
        .token_url("http://127.0.0.1:1/oauth2/token")
        .build()
        .unwrap();
    let shown = format!(
        "{client:?} {client:#?} {:?}",
        flowpayroll::FlowPayroll::builder().credentials("id", CLIENT_SECRET)
    );
    assert!(!shown.contains(CLIENT_SECRET), "{shown}");
    assert!(shown.contains("SecretString([redacted])"), "{shown}");
}
