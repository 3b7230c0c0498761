//! Fleet mode on a store of the application's: `SqliteStore` (fleet-tests/src), a
//! `TokenStore` on one SQLite file, keeps the trait's protocol (opaque values, expiry,
//! exclusive expiring leases) and carries the fleet tests that run on Redis: one mint
//! per generation for eight members, and one mint only while a slow holder lives and
//! renews its lease. Needs no server: these tests always run.
#![allow(clippy::disallowed_methods)]

mod common;

use std::time::Duration;

use common::*;
use flowpayroll::fleet::{FleetState, Stored, TokenStore};
use flowpayroll::operation::Operation;
use flowpayroll::sandbox::{Fault, Sandbox, SandboxConfig};
use flowpayroll::TokenOrigin;

const HOUR: Duration = Duration::from_secs(3600);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_keeps_the_stores_protocol() {
    let db = TempDatabase::new();
    let (a, b) = (db.store(), db.store());

    // Values: opaque bytes, read back whole or cut at the length asked for.
    assert_eq!(a.get("k", 64).await.unwrap(), Stored::Missing);
    let value = [0u8, 1, 2, 0xff, 0, 7];
    a.set("k", &value, HOUR).await.unwrap();
    assert_eq!(b.get("k", 64).await.unwrap(), Stored::Value(value.to_vec()));
    assert_eq!(b.get("k", 3).await.unwrap(), Stored::Value(vec![0, 1, 2]));
    a.set("k", b"second", HOUR).await.unwrap();
    assert_eq!(
        b.get("k", 64).await.unwrap(),
        Stored::Value(b"second".to_vec())
    );

    // Compare-and-delete touches only the expected value.
    assert!(!b.delete_if("k", &value).await.unwrap());
    assert_eq!(
        a.get("k", 64).await.unwrap(),
        Stored::Value(b"second".to_vec())
    );
    assert!(b.delete_if("k", b"second").await.unwrap());
    assert_eq!(a.get("k", 64).await.unwrap(), Stored::Missing);

    // Leases: exclusive; renewed and freed only by their holder.
    assert!(a.acquire_lease("lease", b"a", HOUR).await.unwrap());
    assert!(!b.acquire_lease("lease", b"b", HOUR).await.unwrap());
    assert!(!b.renew_lease("lease", b"b", HOUR).await.unwrap());
    assert!(!b.release_lease("lease", b"b").await.unwrap());
    assert!(a.renew_lease("lease", b"a", HOUR).await.unwrap());
    assert!(a.release_lease("lease", b"a").await.unwrap());
    assert!(b.acquire_lease("lease", b"b", HOUR).await.unwrap());
    assert!(!a.release_lease("lease", b"a").await.unwrap());

    // Expiry: a value or lease past its TTL is gone; an expired lease is free to take
    // and its old holder can no longer renew it.
    a.set("short", b"v", Duration::from_millis(1))
        .await
        .unwrap();
    assert!(a
        .acquire_lease("short-lease", b"a", Duration::from_millis(1))
        .await
        .unwrap());
    real_pause(20).await;
    assert_eq!(b.get("short", 64).await.unwrap(), Stored::Missing);
    assert!(!b.delete_if("short", b"v").await.unwrap());
    assert!(b.acquire_lease("short-lease", b"b", HOUR).await.unwrap());
    assert!(!a.renew_lease("short-lease", b"a", HOUR).await.unwrap());
    a.ping().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_reports_a_value_of_another_type_as_foreign() {
    let db = TempDatabase::new();
    let store = db.store();
    let raw = rusqlite::Connection::open(&db.0).unwrap();
    raw.execute(
        "INSERT INTO fleet (key, value, expires_at_ms) VALUES ('t', 'text', 9e15)",
        [],
    )
    .unwrap();
    assert_eq!(store.get("t", 64).await.unwrap(), Stored::Foreign);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_of_eight_on_sqlite_mints_once_cold_and_once_per_lifetime() {
    let db = TempDatabase::new();
    let sandbox = sandbox().await;
    let fleet = sqlite_members(&sandbox, &db, 8);

    call_all(&fleet).await;
    assert_eq!(sandbox.token_requests(), 1, "cold start");
    let minted = fleet
        .iter()
        .filter(|m| m.token_status().origin == Some(TokenOrigin::Minted))
        .count();
    assert_eq!(minted, 1);

    let lifetimes = 3;
    let (ok, failed) = run_calls(&fleet, LIFETIME * lifetimes).await;
    assert_eq!(failed, 0);
    assert!(ok > 8 * 50, "{ok} calls");
    let mints = sandbox.token_requests() as u32;
    assert!(
        (lifetimes..=lifetimes + 1).contains(&mints),
        "{mints} mints over {lifetimes} lifetimes"
    );
    let by_members: u64 = fleet.iter().map(|m| m.token_status().tokens_minted).sum();
    assert_eq!(by_members, u64::from(mints));
    for member in &fleet {
        let status = member.token_status().fleet.unwrap();
        assert_eq!(status.state, FleetState::Connected);
        assert_eq!(status.local_mints, 0, "{status:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mint_slower_than_the_lease_expiry_is_the_only_one_while_its_holder_lives() {
    let db = TempDatabase::new();
    // Tokens that outlive the slow answer below.
    let sandbox =
        Sandbox::start_with(SandboxConfig::default().with_token_lifetime(Duration::from_secs(60)))
            .await
            .unwrap();
    // The first token answer takes three lease expiries (1 s each): only renewals keep
    // the others from taking the lease over.
    sandbox.fail_next(
        Operation::RequestToken,
        1,
        Fault::Slow(Duration::from_secs(3)),
    );
    let fleet = sqlite_members(&sandbox, &db, 6);

    call_all(&fleet).await;
    assert_eq!(sandbox.token_requests(), 1);
    let statuses: Vec<_> = fleet
        .iter()
        .map(|m| m.token_status().fleet.unwrap())
        .collect();
    let shared: u64 = statuses.iter().map(|s| s.tokens_shared).sum();
    let adopted: u64 = statuses.iter().map(|s| s.tokens_adopted).sum();
    let local: u64 = statuses.iter().map(|s| s.local_mints).sum();
    assert_eq!((shared, adopted, local), (1, 5, 0), "{statuses:?}");
}
