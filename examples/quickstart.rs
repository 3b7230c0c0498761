//! The whole product in one command: `cargo run --example quickstart`.
//!
//! Without credentials it starts the embedded sandbox on 127.0.0.1 and walks the token
//! flow, saying what happens: a token minted for two scopes, the sandbox listing that
//! very token, a call served from the cache, introspect agreeing with the list, a 401
//! recovered with one re-mint, a refresh at ~90% of a short lifetime, a 429 waited out,
//! and a disconnect that the next list shows. With `FLOWPAYROLL_CLIENT_ID` and
//! `FLOWPAYROLL_CLIENT_SECRET` set, it runs the read-only part against the configured
//! environment instead.

// A demo waits in real time, so it sleeps on the real clock.
#![allow(clippy::disallowed_methods)]

use std::time::{Duration, Instant};

use flowpayroll::deps::http::StatusCode;
use flowpayroll::operation::Operation;
use flowpayroll::sandbox::{Fault, Sandbox, SandboxConfig};
use flowpayroll::types::{Scope, TokenSummary};
use flowpayroll::{Error, FlowPayroll, RefreshPolicy};

/// The sandbox's token lifetime: short, to show a refresh and an expiry.
const LIFETIME: Duration = Duration::from_secs(3);
/// The scopes the demo asks for.
const SCOPES: [Scope; 2] = [Scope::XhrEmployees, Scope::XhrPayruns];

#[tokio::main]
async fn main() -> Result<(), Error> {
    if std::env::var_os("FLOWPAYROLL_CLIENT_ID").is_some()
        && std::env::var_os("FLOWPAYROLL_CLIENT_SECRET").is_some()
    {
        return read_only(&FlowPayroll::from_env()?).await;
    }
    let sandbox =
        Sandbox::start_with(SandboxConfig::default().with_token_lifetime(LIFETIME)).await?;
    println!(
        "No FLOWPAYROLL_CLIENT_ID/SECRET set: using the embedded sandbox at {}.\n",
        sandbox.url()
    );
    // Refresh at 90% of the lifetime even for this 3-second token (the default floor of
    // 5 s is meant for real tokens), without jitter so the demo is repeatable.
    let refresh = RefreshPolicy::default()
        .with_fraction(0.10)
        .with_min_margin(Duration::from_millis(100))
        .with_jitter(0.0);
    let fp = sandbox
        .client_builder()
        .scope(SCOPES)
        .refresh_policy(refresh)
        .build()?;
    let started = Instant::now();
    let jti = |fp: &FlowPayroll| {
        fp.token_status()
            .token_id
            .map(|id| id.to_string())
            .unwrap_or_default()
    };

    let status = fp.authenticate().await?;
    let first = jti(&fp);
    println!(
        "1. Token minted for the scopes {}: jti {first}, valid for {} s (token requests: {}).",
        SCOPES.map(|scope| scope.to_string()).join(", "),
        status
            .valid_for
            .map(|d| d.as_secs_f32().round())
            .unwrap_or_default(),
        sandbox.token_requests()
    );

    let tokens = fp.management().tokens().await?;
    println!("2. The tokens the sandbox issued to this client: the one just minted.");
    print_tokens(&tokens, |_| String::new());

    fp.management().tokens().await?;
    println!(
        "3. Listed again: served with the cached token (token requests still {}).",
        sandbox.token_requests()
    );

    let me = fp.management().introspect().await?;
    let scopes: Vec<String> = me.scopes.iter().map(ToString::to_string).collect();
    println!(
        "4. Introspect describes the same token: client {}, provider {}, mode {}, scopes {}.",
        me.client_id,
        me.provider,
        me.mode,
        scopes.join(", ")
    );

    sandbox.fail_next(
        Operation::ListTokens,
        1,
        Fault::Status(StatusCode::UNAUTHORIZED),
    );
    fp.management().tokens().await?;
    let after_401 = jti(&fp);
    println!(
        "5. The API answered 401 once (an injected fault): the client minted a new token, jti {after_401}, and replayed the call (token requests: {}, list calls: {}).",
        sandbox.token_requests(),
        sandbox.api_requests(Operation::ListTokens)
    );

    let minted_before = sandbox.token_requests();
    let refresh_in = fp.token_status().refresh_in.unwrap_or_default();
    println!(
        "6. Waiting {:.1} s until 90% of that token's lifetime has passed...",
        refresh_in.as_secs_f32()
    );
    tokio::time::sleep(refresh_in + Duration::from_millis(50)).await;
    let call = Instant::now();
    fp.management().tokens().await?;
    let waited = call.elapsed();
    while fp.token_status().refreshing {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let refreshed = jti(&fp);
    println!(
        "   The next call used the still-valid token ({} ms) while a refresh ran beside it: token requests {} -> {}, new jti {refreshed}.",
        waited.as_millis(),
        minted_before,
        sandbox.token_requests(),
    );

    sandbox.fail_next(
        Operation::ListTokens,
        1,
        Fault::TooManyRequests {
            retry_after: Duration::from_secs(1),
        },
    );
    let before = Instant::now();
    fp.management().tokens().await?;
    println!(
        "7. The API answered 429 with Retry-After: 1 (injected): the client waited {:.1} s and retried.",
        before.elapsed().as_secs_f32()
    );

    let result = fp.management().disconnect().await?;
    println!(
        "8. Disconnected the token {refreshed}: {}. The next call mints a fresh one; the list shows each token ({} s lifetime):",
        result.disconnected,
        LIFETIME.as_secs()
    );
    let tokens = fp.management().tokens().await?;
    let latest = jti(&fp);
    print_tokens(&tokens, |token| {
        let origin = if token.token == first {
            "minted in step 1"
        } else if token.token == after_401 {
            "minted after the 401 in step 5"
        } else if token.token == refreshed {
            "minted by the refresh in step 6"
        } else if token.token == latest {
            "minted for this list"
        } else {
            "minted by another client"
        };
        let state = match (token.valid, token.token == refreshed) {
            (true, _) => "",
            (false, true) => "; disconnected in step 8",
            (false, false) => "; expired",
        };
        format!("{origin}{state}")
    });
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
    print_tokens(&fp.management().tokens().await?, |_| String::new());
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

fn print_tokens(tokens: &[TokenSummary], note: impl Fn(&TokenSummary) -> String) {
    println!(
        "   {:<36} {:<8} {:<6} {:<6} {:<50}  NOTE",
        "TOKEN", "PROVIDER", "MODE", "VALID", "SCOPES"
    );
    for token in tokens {
        let scopes: Vec<String> = token.scopes.iter().map(ToString::to_string).collect();
        let line = format!(
            "   {:<36} {:<8} {:<6} {:<6} {:<50}  {}",
            token.token,
            token.provider.to_string(),
            token.mode.to_string(),
            token.valid,
            scopes.join(", "),
            note(token)
        );
        println!("{}", line.trim_end());
    }
}
