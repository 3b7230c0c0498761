//! The mint lease against a real `redis-server`: a member that finds it free takes it,
//! mints under it without waiting and frees it when its token is shared, so the next
//! mint of the fleet (after a 401) is not held up by a stale lease; a lease another
//! holder keeps is left alone. Without `redis-server` these tests print one line and
//! pass, unless `FLOWPAYROLL_REQUIRE_REDIS=1`.
#![allow(clippy::disallowed_methods)]

mod common;

use common::redis_server::RedisServer;
use common::*;
use flowpayroll::TokenOrigin;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_mints_under_a_free_lease_and_frees_it_once_shared() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let sandbox = sandbox().await;
    let member = members(&sandbox, &redis.url(), 1).remove(0);

    member.management().tokens().await.unwrap();
    assert_eq!(sandbox.token_requests(), 1);
    let status = member.token_status();
    assert_eq!(status.origin, Some(TokenOrigin::Minted));
    let fleet = status.fleet.unwrap();
    // Minted under the lease: not locally after waiting out a lease nobody held.
    assert_eq!(
        (fleet.local_mints, fleet.tokens_shared),
        (0, 1),
        "{fleet:?}"
    );
    assert!(redis.has_key("token"));
    assert!(!redis.has_key("lease"), "the lease outlived the mint");

    // A second member, after the first one's token was refused, mints at once under
    // the freed lease.
    let other = members(&sandbox, &redis.url(), 1).remove(0);
    let _: () = redis::cmd("DEL")
        .arg(redis.key("token"))
        .query(&mut redis.connection())
        .unwrap();
    other.management().tokens().await.unwrap();
    assert_eq!(sandbox.token_requests(), 2);
    let fleet = other.token_status().fleet.unwrap();
    assert_eq!(
        (fleet.local_mints, fleet.tokens_shared),
        (0, 1),
        "{fleet:?}"
    );
    assert!(!redis.has_key("lease"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lease_held_by_another_holder_is_never_freed_by_a_member() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let sandbox = sandbox().await;
    let first = members(&sandbox, &redis.url(), 1).remove(0);
    first.management().tokens().await.unwrap();
    let token = redis.key("token");
    let lease = format!("{}:lease", token.strip_suffix(":token").unwrap());
    let mut conn = redis.connection();
    let _: () = redis::cmd("DEL").arg(&token).query(&mut conn).unwrap();
    let _: () = redis::cmd("SET")
        .arg(&lease)
        .arg("another-holder")
        .arg("PX")
        .arg(60_000)
        .query(&mut conn)
        .unwrap();
    let member = members(&sandbox, &redis.url(), 1).remove(0);

    // Nobody shares a token: after the lease and the timeout, the member mints on its
    // own, and the lease stays with its holder.
    member.management().tokens().await.unwrap();
    assert_eq!(sandbox.token_requests(), 2);
    assert_eq!(member.token_status().fleet.unwrap().local_mints, 1);
    let holder: String = redis::cmd("GET").arg(&lease).query(&mut conn).unwrap();
    assert_eq!(holder, "another-holder");
}
