//! Per-thread copies of what every call of a client reads: its token (a
//! [`TokenView`]) and the API origin the token may go to. With them the fast path of a
//! call (a valid cached token) writes no memory that another thread uses: the reference
//! counts it bumps are this thread's own, so threads calling at once do not slow each
//! other down.
//!
//! Each thread keeps a few entries, one per client it called through, found by the
//! client's address (an entry holds a `Weak` of the client, so the address cannot be
//! reused while the entry exists). Entries of dropped clients are cleared when the
//! thread next adds one, and a thread keeps at most [`ENTRIES`].

use std::cell::RefCell;
use std::sync::{Arc, Weak};
use std::time::Instant;

use url::Origin;

use crate::auth::cache::view::TokenView;
use crate::auth::cache::Lease;
use crate::client::ClientInner;

/// The most clients a thread keeps copies for; past it the oldest entry goes.
const ENTRIES: usize = 8;

struct Entry {
    client: Weak<ClientInner>,
    token: TokenView,
    origin: Arc<Origin>,
}

thread_local! {
    static ENTRIES_OF_THREAD: RefCell<Vec<Entry>> = const { RefCell::new(Vec::new()) };
}

/// The lease of `client`'s cached token and the origin it may go to, from this
/// thread's copies, when the token is valid at `now` and not due for a refresh; `None`
/// otherwise (the caller then asks the token cache).
pub(crate) fn lease(client: &Arc<ClientInner>, now: Instant) -> Option<(Lease, Arc<Origin>)> {
    ENTRIES_OF_THREAD
        .try_with(|entries| {
            // Nothing here calls back into this module, so the borrow cannot fail;
            // if it did, the caller takes the slow path.
            let mut entries = entries.try_borrow_mut().ok()?;
            let at = match entries
                .iter()
                .position(|e| Weak::as_ptr(&e.client) == Arc::as_ptr(client))
            {
                Some(at) => at,
                None => add(&mut entries, client),
            };
            let entry = &mut entries[at];
            let lease = entry.token.fresh(now)?;
            Some((lease, Arc::clone(&entry.origin)))
        })
        // The thread is ending and its copies are gone.
        .ok()
        .flatten()
}

/// Adds an entry for `client`, dropping those of clients that are gone and, when
/// full, the oldest; returns its index.
fn add(entries: &mut Vec<Entry>, client: &Arc<ClientInner>) -> usize {
    entries.retain(|e| e.client.strong_count() > 0);
    if entries.len() >= ENTRIES {
        entries.remove(0);
    }
    entries.push(Entry {
        client: Arc::downgrade(client),
        token: TokenView::new(&client.tokens),
        origin: Arc::new(Origin::clone(&client.api_origin)),
    });
    entries.len() - 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::FlowPayroll;
    use crate::clock::{Clock, SystemClock};

    fn client() -> FlowPayroll {
        FlowPayroll::builder()
            .credentials("local-test", "local-secret")
            .token_url("http://127.0.0.1:9/oauth2/token")
            .api_url("http://127.0.0.1:9")
            .build()
            .unwrap()
    }

    fn entries() -> usize {
        ENTRIES_OF_THREAD.with(|entries| entries.borrow().len())
    }

    #[test]
    fn a_thread_keeps_one_entry_per_live_client_and_at_most_a_few() {
        let now = SystemClock.now();
        let kept = client();
        // No token cached: no lease, but the entry is made.
        assert!(lease(&kept.shared, now).is_none());
        assert!(lease(&kept.shared, now).is_none());
        assert_eq!(entries(), 1);

        let many: Vec<_> = (0..ENTRIES + 2).map(|_| client()).collect();
        for client in &many {
            assert!(lease(&client.shared, now).is_none());
        }
        assert_eq!(entries(), ENTRIES);

        drop(many);
        let other = client();
        assert!(lease(&other.shared, now).is_none());
        // The dropped clients' entries went when this one was added.
        assert_eq!(entries(), 1);
        assert!(lease(&kept.shared, now).is_none());
        assert_eq!(entries(), 2);
    }
}
