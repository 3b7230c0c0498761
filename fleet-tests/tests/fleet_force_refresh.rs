//! A forced refresh in fleet mode mints and shares a new token (the old one in Redis
//! does not come back), and an invalidation on another member then adopts that new
//! token instead of minting. Against a real `redis-server`; without one the test prints
//! one line and passes, unless `FLOWPAYROLL_REQUIRE_REDIS=1`.

mod common;

use common::redis_server::RedisServer;
use common::{call_all, members};
use flowpayroll::{MintReason, TokenOrigin};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forced_refresh_mints_and_shares_and_the_fleet_follows() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    // An hour's tokens: no refresh ahead of expiry during the test.
    let sandbox = flowpayroll::sandbox::Sandbox::start().await.unwrap();
    let fleet = members(&sandbox, &redis.url(), 2);
    call_all(&fleet).await;
    assert_eq!(sandbox.token_requests(), 1);
    let old = fleet[0].token_status().token_id;
    assert_eq!(fleet[1].token_status().token_id, old);

    // Whichever member minted first, the forced one mints again and shares it.
    let forced = fleet[0].force_refresh().await.unwrap();
    assert_eq!(sandbox.token_requests(), 2);
    assert_eq!(forced.last_mint_reason, Some(MintReason::Forced));
    assert_eq!(forced.origin, Some(TokenOrigin::Minted));
    assert_ne!(forced.token_id, old);

    // The other member drops its (old) token: it adopts the new one from Redis.
    assert!(fleet[1].invalidate_token());
    fleet[1].management().tokens().await.unwrap();
    let other = fleet[1].token_status();
    assert_eq!(sandbox.token_requests(), 2);
    assert_eq!(other.token_id, forced.token_id);
    assert_eq!(other.origin, Some(TokenOrigin::FleetCache));
    assert_eq!(other.last_mint_reason, Some(MintReason::Invalidated));
}
