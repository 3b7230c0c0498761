//! The whole product in one command: `cargo run --example quickstart`.
//!
//! Without credentials it starts the embedded sandbox on 127.0.0.1 and walks the token
//! flow, saying what happens: a token minted, tokens listed, a call served from the
//! cache, introspect, a 401 recovered with one re-mint, a 429 waited out, a refresh at
//! ~90% of a short lifetime, disconnect. With `FLOWPAYROLL_CLIENT_ID` and
//! `FLOWPAYROLL_CLIENT_SECRET` set, it runs the read-only part against the configured
//! environment instead.

// A demo waits in real time, so it sleeps on the real clock.
#![allow(clippy::disallowed_methods)]

use std::time::{Duration, Instant};

use flowpayroll::sandbox::{Fault, Sandbox, SandboxConfig};
use flowpayroll::{Error, FlowPayroll, RefreshPolicy};

/// The sandbox's token lifetime: short, to show a refresh.
const LIFETIME: Duration = Duration::from_secs(3);

#[tokio::main]
async fn main() -> Result<(), Error> {
    if std::env::var_os("FLOWPAYROLL_CLIENT_ID").is_some()
        && std::env::var_os("FLOWPAYROLL_CLIENT_SECRET").is_some()
    {
        return read_only(&FlowPayroll::from_env()?).await;
    }
    let sandbox = Sandbox::start_with(SandboxConfig {
        token_lifetime: LIFETIME,
        ..SandboxConfig::default()
    })
    .await?;
    println!(
        "No FLOWPAYROLL_CLIENT_ID/SECRET set: using the embedded sandbox at {}.\n",
        sandbox.url()
    );
    // Refresh at 90% of the lifetime even for this 3-second token (the default floor of
    // 5 s is meant for real tokens), without jitter so the demo is repeatable.
    let refresh = RefreshPolicy {
        fraction: 0.10,
        min_margin: Duration::from_millis(100),
        jitter: 0.0,
    };
    let fp = sandbox.client_builder().refresh_policy(refresh).build()?;
    let started = Instant::now();

    let status = fp.authenticate().await?;
    println!(
        "1. Token minted: jti {}, valid for {} s (token requests: {}).",
        status.token_id.map(|id| id.to_string()).unwrap_or_default(),
        status
            .valid_for
            .map(|d| d.as_secs_f32().round())
            .unwrap_or_default(),
        sandbox.token_requests()
    );

    let tokens = fp.management().tokens().await?;
    println!("2. Tokens of this client:");
    print_tokens(&tokens);

    fp.management().tokens().await?;
    println!(
        "3. Listed again: served with the cached token (token requests still {}).",
        sandbox.token_requests()
    );

    let me = fp.management().introspect().await?;
    println!(
        "4. Introspect: client {}, provider {}, mode {}.",
        me.client_id, me.provider, me.mode
    );

    sandbox.fail_next("list_tokens", 1, Fault::Status(401));
    fp.management().tokens().await?;
    println!(
        "5. The API answered 401 once: the client minted a new token and replayed the call (token requests: {}, list calls: {}).",
        sandbox.token_requests(),
        sandbox.api_requests("list_tokens")
    );

    sandbox.fail_next("list_tokens", 1, Fault::TooManyRequests { retry_after: 1 });
    let before = Instant::now();
    fp.management().tokens().await?;
    println!(
        "6. The API answered 429 with Retry-After: 1: the client waited {:.1} s and retried.",
        before.elapsed().as_secs_f32()
    );

    let minted_before = sandbox.token_requests();
    let status = fp.token_status();
    let refresh_in = status.refresh_in.unwrap_or_default();
    println!(
        "7. Waiting {:.1} s until 90% of the token's lifetime has passed...",
        refresh_in.as_secs_f32()
    );
    tokio::time::sleep(refresh_in + Duration::from_millis(50)).await;
    let call = Instant::now();
    fp.management().tokens().await?;
    let waited = call.elapsed();
    while fp.token_status().refreshing {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    println!(
        "   The next call used the still-valid token ({} ms) while a refresh ran beside it: token requests {} -> {}, new jti {}.",
        waited.as_millis(),
        minted_before,
        sandbox.token_requests(),
        fp.token_status().token_id.map(|id| id.to_string()).unwrap_or_default()
    );

    let result = fp.management().disconnect().await?;
    println!(
        "8. Disconnected the token: {}. The next call mints a fresh one:",
        result.disconnected
    );
    fp.management().introspect().await?;
    println!("   token requests: {}.", sandbox.token_requests());

    println!("\nDone in {:.1} s.", started.elapsed().as_secs_f32());
    Ok(())
}

/// Against a real environment: only calls that change nothing.
async fn read_only(fp: &FlowPayroll) -> Result<(), Error> {
    let status = fp.authenticate().await?;
    println!(
        "Token minted: jti {}, valid for {} s.",
        status.token_id.map(|id| id.to_string()).unwrap_or_default(),
        status.valid_for.map(|d| d.as_secs()).unwrap_or_default()
    );
    print_tokens(&fp.management().tokens().await?);
    let me = fp.management().introspect().await?;
    println!(
        "Introspect: client {}, provider {}, mode {}.",
        me.client_id, me.provider, me.mode
    );
    for group in fp.providers().await? {
        println!("{} providers: {}", group.mode, group.providers.len());
    }
    Ok(())
}

fn print_tokens(tokens: &[flowpayroll::types::TokenSummary]) {
    println!(
        "   {:<38} {:<10} {:<8} {:<6} SCOPES",
        "TOKEN", "PROVIDER", "MODE", "VALID"
    );
    for token in tokens {
        let scopes: Vec<String> = token.scopes.iter().map(ToString::to_string).collect();
        println!(
            "   {:<38} {:<10} {:<8} {:<6} {}",
            token.token,
            token.provider.to_string(),
            token.mode.to_string(),
            token.valid,
            scopes.join(", ")
        );
    }
}
