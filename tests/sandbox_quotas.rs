//! The sandbox's quotas: per endpoint, in fixed windows, 429 with the window's exact
//! `Retry-After`, counted in the stats; set from the Rust config, `set_quota` and the
//! control API.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::sandbox_http::{call, control, mint, stats};
use flowpayroll::clock::ManualClock;
use flowpayroll::operation::Operation;
use flowpayroll::sandbox::{Sandbox, SandboxConfig};
use flowpayroll::{Quota, RetryPolicy};
use serde_json::json;

const MS: fn(u64) -> Duration = Duration::from_millis;

#[tokio::test]
async fn a_call_past_the_quota_is_refused_until_its_window_ends() {
    let clock = Arc::new(ManualClock::new());
    let config = SandboxConfig::default()
        .with_clock(clock.clone())
        .with_quota(Quota::new(3, Duration::from_secs(2)).unwrap());
    let sandbox = Sandbox::start_with(config).await.unwrap();
    let fp = sandbox
        .client_builder()
        .clock(clock.clone())
        .retry_policy(RetryPolicy::default().with_max_retries(0))
        .build()
        .unwrap();
    for _ in 0..3 {
        fp.management().tokens().await.unwrap();
    }
    clock.advance(MS(300));
    let error = fp.management().tokens().await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(429));
    // 1.7 s left in the window: 2 whole seconds.
    assert_eq!(error.retry_after(), Some(Duration::from_secs(2)));
    // The client holds every call for the `Retry-After` (its 429 hold); then
    // `introspect_token`, another endpoint, has its own count.
    clock.advance(MS(2000));
    fp.management().introspect().await.unwrap();
    fp.management().tokens().await.unwrap();
    let stats = sandbox.stats();
    assert_eq!(stats.rate_limited[&Operation::ListTokens], 1);
    assert_eq!(stats.rate_limited.len(), 1);
    let windows = &stats.quotas[Operation::ListTokens.path()].windows;
    let counts: Vec<(u64, u64, u64)> = windows
        .iter()
        .map(|w| (w.window, w.served, w.refused))
        .collect();
    assert_eq!(counts, [(0, 3, 1), (1, 1, 0)]);
    // The token endpoint has no quota unless one is named.
    assert!(!stats.quotas.contains_key(Operation::RequestToken.path()));
    assert_eq!(sandbox.token_requests(), 1);
    sandbox.reset();
    assert!(sandbox.stats().rate_limited.is_empty());
}

#[tokio::test]
async fn the_control_api_sets_and_removes_quotas_and_the_stats_show_them() {
    let sandbox = Sandbox::start().await.unwrap();
    let token = mint(&sandbox).await;
    let set = json!({"operation": "list_providers", "calls": 1, "window_ms": 3_600_000});
    assert_eq!(
        control(&sandbox, "POST", "quotas", Some(set)).await.status,
        204
    );
    let path = "/providers";
    let providers = Operation::ListProviders;
    assert_eq!(
        call(&sandbox, providers, Some(&token), None).await.status,
        200
    );
    let refused = call(&sandbox, providers, Some(&token), None).await;
    assert_eq!(refused.status, 429);
    let seconds: u64 = refused.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((3599..=3600).contains(&seconds), "{seconds}");
    assert!(refused.body["message"]
        .as_str()
        .unwrap()
        .contains("Retry-After"));
    let seen = stats(&sandbox).await;
    assert_eq!(seen["rate_limited"]["list_providers"], 1);
    assert_eq!(seen["quotas"][path]["calls"], 1);
    assert_eq!(seen["quotas"][path]["window_ms"], 3_600_000);
    assert_eq!(seen["quotas"][path]["windows"][0]["refused"], 1);
    let off = json!({"operation": "list_providers", "calls": 0});
    assert_eq!(
        control(&sandbox, "POST", "quotas", Some(off)).await.status,
        204
    );
    assert_eq!(
        call(&sandbox, providers, Some(&token), None).await.status,
        200
    );
    for bad in [
        json!({"calls": 1, "window_ms": 0}),
        json!({"calls": 1, "window_ms": 86_400_001u64}),
        json!({"operation": "list_token", "calls": 1, "window_ms": 10}),
        json!({"calls": -1, "window_ms": 10}),
        json!({"calls": 1, "window_ms": 10, "extra": true}),
    ] {
        let answer = control(&sandbox, "POST", "quotas", Some(bad.clone())).await;
        assert_eq!(answer.status, 400, "{bad}");
        assert!(answer.body["message"].is_string(), "{bad}");
    }
}

#[tokio::test]
async fn set_quota_limits_one_endpoint_and_the_operations_of_its_path_share_it() {
    let sandbox = Sandbox::start().await.unwrap();
    let fp = sandbox
        .client_builder()
        .retry_policy(RetryPolicy::default().with_max_retries(0))
        .build()
        .unwrap();
    sandbox.set_quota(
        Some(Operation::GetClient),
        Quota::new(1, Duration::from_secs(3600)),
    );
    fp.management().client().await.unwrap();
    let error = fp.management().client().await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(429));
    assert_eq!(sandbox.stats().rate_limited[&Operation::GetClient], 1);
    sandbox.set_quota(Some(Operation::UpdateClient), None);
    // A new client: this one holds its calls for the hour the 429 asked for.
    let fresh = sandbox.client_builder().build().unwrap();
    fresh.management().client().await.unwrap();
}
