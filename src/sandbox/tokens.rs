//! The tokens a sandbox issued, bounded: an expired or disconnected token is kept for a
//! grace period (so a list shows it as not valid) and then evicted; past the configured
//! maximum, the token closest to eviction goes first.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use crate::generated::model::open_enums::{Mode, Provider, Scope};
use crate::generated::model::types::TokenSummary;

/// One issued token. Not `Debug`: the store's keys are the tokens themselves.
#[derive(Clone)]
pub(super) struct Issued {
    /// Issue order.
    pub(super) seq: u64,
    /// The `jti`: the token's id in lists and logs.
    pub(super) jti: String,
    pub(super) scopes: Arc<[Scope]>,
    pub(super) mode: Mode,
    pub(super) provider: Provider,
    pub(super) created_at: SystemTime,
    pub(super) expires_at: Instant,
    pub(super) disconnected: bool,
    /// When the store forgets it.
    evict_at: Instant,
}

/// What a new token is.
pub(super) struct NewToken {
    pub(super) jti: String,
    pub(super) scopes: Arc<[Scope]>,
    pub(super) mode: Mode,
    pub(super) provider: Provider,
    pub(super) created_at: SystemTime,
    pub(super) lifetime: Duration,
}

/// Why a token is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Refusal {
    /// Unknown (never issued, or evicted) or expired: 401.
    Unauthenticated,
    /// Disconnected: 403.
    Disconnected,
}

/// The issued tokens, keyed by the token string.
pub(super) struct TokenStore {
    by_token: HashMap<Arc<str>, Issued>,
    /// (evict_at, seq) → token, the eviction order.
    evictions: BTreeMap<(Instant, u64), Arc<str>>,
    next_seq: u64,
    evicted: u64,
    grace: Duration,
    max_tokens: usize,
}

impl TokenStore {
    pub(super) fn new(grace: Duration, max_tokens: usize) -> Self {
        Self {
            by_token: HashMap::new(),
            evictions: BTreeMap::new(),
            next_seq: 0,
            evicted: 0,
            grace,
            max_tokens: max_tokens.max(1),
        }
    }

    /// Records `token`, evicting what is due and, at the maximum, the token closest to
    /// eviction.
    pub(super) fn insert(&mut self, token: String, new: NewToken, now: Instant) {
        let token: Arc<str> = token.into();
        self.sweep(now);
        while self.by_token.len() >= self.max_tokens {
            if !self.evict_first() {
                break;
            }
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        let expires_at = now + new.lifetime;
        let evict_at = expires_at + self.grace;
        self.evictions.insert((evict_at, seq), Arc::clone(&token));
        self.by_token.insert(
            token,
            Issued {
                seq,
                jti: new.jti,
                scopes: new.scopes,
                mode: new.mode,
                provider: new.provider,
                created_at: new.created_at,
                expires_at,
                disconnected: false,
                evict_at,
            },
        );
    }

    /// The live token `token`, or why it is refused.
    pub(super) fn check(&mut self, token: &str, now: Instant) -> Result<Issued, Refusal> {
        self.sweep(now);
        match self.by_token.get(token) {
            Some(issued) if issued.disconnected => Err(Refusal::Disconnected),
            Some(issued) if now < issued.expires_at => Ok(issued.clone()),
            _ => Err(Refusal::Unauthenticated),
        }
    }

    /// Disconnects `token`; it is evicted a grace period from now (or sooner, if it
    /// expires sooner). Returns its `jti`.
    pub(super) fn disconnect(&mut self, token: &str, now: Instant) -> Option<String> {
        let issued = self.by_token.get_mut(token)?;
        issued.disconnected = true;
        let evict_at = (now + self.grace).min(issued.evict_at);
        if evict_at != issued.evict_at {
            let old = (issued.evict_at, issued.seq);
            issued.evict_at = evict_at;
            if let Some(key) = self.evictions.remove(&old) {
                self.evictions.insert((evict_at, issued.seq), key);
            }
        }
        Some(issued.jti.clone())
    }

    /// Every kept token, oldest first, as `list_tokens` shows it.
    pub(super) fn list(&mut self, now: Instant) -> Vec<TokenSummary> {
        self.sweep(now);
        let mut kept: Vec<&Issued> = self.by_token.values().collect();
        kept.sort_by_key(|issued| issued.seq);
        kept.into_iter()
            .map(|issued| TokenSummary {
                token: issued.jti.clone(),
                scopes: issued.scopes.to_vec(),
                created_at: Some(issued.created_at.into()),
                mode: issued.mode.clone(),
                provider: issued.provider.clone(),
                valid: !issued.disconnected && now < issued.expires_at,
            })
            .collect()
    }

    /// How many tokens are kept.
    pub(super) fn len(&self) -> usize {
        self.by_token.len()
    }

    /// How many tokens were evicted since the start (or the last reset).
    pub(super) fn evicted(&self) -> u64 {
        self.evicted
    }

    /// Forgets every token.
    pub(super) fn clear(&mut self) {
        *self = Self::new(self.grace, self.max_tokens);
    }

    /// Evicts every token whose grace period is over.
    pub(super) fn sweep(&mut self, now: Instant) {
        while self
            .evictions
            .first_key_value()
            .is_some_and(|((evict_at, _), _)| *evict_at <= now)
        {
            self.evict_first();
        }
    }

    fn evict_first(&mut self) -> bool {
        match self.evictions.pop_first() {
            Some((_, token)) => {
                self.by_token.remove(&token);
                self.evicted += 1;
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{Clock, SystemClock};

    const LIFETIME: Duration = Duration::from_secs(60);
    const GRACE: Duration = Duration::from_secs(30);

    fn new_token(jti: &str) -> NewToken {
        NewToken {
            jti: jti.to_owned(),
            scopes: vec![Scope::from("/2023-03-01/xhr/employees")].into(),
            mode: Mode::Xhr,
            provider: Provider::Sandbox,
            created_at: SystemTime::UNIX_EPOCH,
            lifetime: LIFETIME,
        }
    }

    #[test]
    fn a_token_is_valid_then_expired_then_evicted() {
        let start = SystemClock.now();
        let mut store = TokenStore::new(GRACE, 100);
        store.insert("t1".into(), new_token("j1"), start);
        assert_eq!(store.check("t1", start).unwrap().jti, "j1");
        assert!(store.list(start)[0].valid);

        let expired = start + LIFETIME;
        assert_eq!(
            store.check("t1", expired).err(),
            Some(Refusal::Unauthenticated)
        );
        let listed = store.list(expired);
        assert_eq!((listed.len(), listed[0].valid), (1, false));

        let evicted = expired + GRACE;
        assert!(store.list(evicted).is_empty());
        assert_eq!((store.len(), store.evicted()), (0, 1));
    }

    #[test]
    fn a_disconnected_token_is_refused_listed_invalid_and_evicted_after_the_grace() {
        let start = SystemClock.now();
        let mut store = TokenStore::new(GRACE, 100);
        store.insert("t1".into(), new_token("j1"), start);
        store.insert("t2".into(), new_token("j2"), start);
        assert_eq!(store.disconnect("t1", start).as_deref(), Some("j1"));
        assert_eq!(store.check("t1", start).err(), Some(Refusal::Disconnected));
        let listed = store.list(start);
        assert_eq!(
            listed
                .iter()
                .map(|t| (t.token.as_str(), t.valid))
                .collect::<Vec<_>>(),
            [("j1", false), ("j2", true)]
        );
        let later = start + GRACE;
        assert_eq!(store.list(later).len(), 1);
        assert_eq!(store.check("t2", later).unwrap().jti, "j2");
    }

    #[test]
    fn the_maximum_is_never_exceeded() {
        let start = SystemClock.now();
        let mut store = TokenStore::new(GRACE, 3);
        for i in 0..10 {
            store.insert(format!("t{i}"), new_token(&format!("j{i}")), start);
            assert!(store.len() <= 3);
        }
        let listed: Vec<String> = store.list(start).into_iter().map(|t| t.token).collect();
        assert_eq!(listed, ["j7", "j8", "j9"]);
        assert_eq!(store.evicted(), 7);
    }
}
