//! The background watcher of a fleet member: every `poll_interval` (jittered) it reads
//! the fleet's API hold into the local one, and while Redis is unavailable it probes it
//! on a fresh connection, so the member shares tokens again as soon as Redis answers.
//! It runs from the member's first token request until the client is dropped.

use std::sync::{Arc, Weak};

use super::lease::jittered;
use super::store::Read;
use super::FleetInner;

/// Starts the watcher of `fleet` (once per member, inside the Tokio runtime).
pub(crate) fn spawn(fleet: &Arc<FleetInner>) {
    let weak = Arc::downgrade(fleet);
    let clock = Arc::clone(&fleet.clock);
    let interval = fleet.policy.poll_interval;
    tokio::spawn(async move {
        loop {
            clock.sleep(jittered(interval, clock.jitter())).await;
            if !tick(&weak).await {
                return;
            }
        }
    });
}

/// One round; `false` once the member is gone.
async fn tick(weak: &Weak<FleetInner>) -> bool {
    let Some(fleet) = weak.upgrade() else {
        return false;
    };
    if !fleet.store.usable() && !fleet.store.probe().await {
        return true;
    }
    match fleet.store.get(&fleet.keys.hold).await {
        Ok(Read::Value(sealed)) => fleet.apply_hold(&sealed),
        Ok(Read::Garbage) => fleet
            .store
            .note_ignored("ignored a fleet API hold that is not a string"),
        Ok(Read::Missing) | Err(()) => {}
    }
    true
}
