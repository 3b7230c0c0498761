//! What a sandbox counts: requests per operation, tokens issued, `User-Id`s (a count and
//! the last few). Counts, not logs, so a long-running sandbox stays small.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use serde::Serialize;

use super::lock;
use crate::generated::model::Operation;

/// How many recent `User-Id`s are kept.
pub const RECENT_USER_IDS: usize = 64;
/// The longest `User-Id` kept, in bytes (a longer one is cut at a character boundary).
const MAX_USER_ID_LEN: usize = 256;

/// A snapshot of a sandbox's counters, also served as JSON by `GET /__sandbox/stats`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Stats {
    /// Requests received per operation (`request_token` included), faulted ones too.
    /// Keyed by [`Operation`], so a misspelt one does not compile; JSON keys are the
    /// operation ids.
    pub requests: BTreeMap<Operation, u64>,
    /// Tokens issued: by the token endpoint and by code exchanges.
    pub tokens_issued: u64,
    /// Tokens the sandbox keeps now (live ones, and expired or disconnected ones still in
    /// their grace period).
    pub tokens_kept: u64,
    /// Tokens forgotten since the start or the last reset.
    pub tokens_evicted: u64,
    /// Requests that carried a `User-Id`.
    pub user_id_requests: u64,
    /// The last `User-Id`s received (at most 64), oldest first.
    pub recent_user_ids: Vec<String>,
    /// Faulted answers still queued, per operation (operations without any left out).
    pub faults_pending: BTreeMap<Operation, u64>,
    /// Answers sent compressed, per `content-encoding` (`br`, `gzip`, `deflate`; those
    /// never used left out). The sandbox compresses when the request asks for it.
    pub compressed_answers: BTreeMap<String, u64>,
    /// Webhook deliveries and the receivers' statuses.
    pub webhooks: super::WebhookStats,
    /// Calls answered 429 by a quota, per operation (operations without any left out).
    pub rate_limited: BTreeMap<Operation, u64>,
    /// The quotas set, by endpoint path, with their recent windows.
    pub quotas: BTreeMap<String, super::QuotaStats>,
}

/// The encodings the sandbox answers with, in the order of [`Counters::compressed`].
const ENCODINGS: [&str; 3] = ["br", "gzip", "deflate"];

/// The live counters.
#[derive(Debug)]
pub(super) struct Counters {
    requests: Vec<AtomicU64>,
    pub(super) tokens_issued: AtomicU64,
    user_id_requests: AtomicU64,
    recent_user_ids: Mutex<VecDeque<String>>,
    compressed: [AtomicU64; ENCODINGS.len()],
    rate_limited: Vec<AtomicU64>,
}

impl Default for Counters {
    fn default() -> Self {
        Self {
            requests: (0..Operation::COUNT).map(|_| AtomicU64::new(0)).collect(),
            tokens_issued: AtomicU64::new(0),
            user_id_requests: AtomicU64::new(0),
            recent_user_ids: Mutex::default(),
            compressed: Default::default(),
            rate_limited: (0..Operation::COUNT).map(|_| AtomicU64::new(0)).collect(),
        }
    }
}

impl Counters {
    /// Counts a request of `operation`, with its `User-Id` if it has one.
    pub(super) fn record(&self, operation: Operation, user_id: Option<&str>) {
        self.requests[operation.index()].fetch_add(1, Ordering::SeqCst);
        if let Some(user_id) = user_id {
            self.user_id_requests.fetch_add(1, Ordering::SeqCst);
            let mut end = user_id.len().min(MAX_USER_ID_LEN);
            while !user_id.is_char_boundary(end) {
                end -= 1;
            }
            let mut recent = lock(&self.recent_user_ids);
            if recent.len() == RECENT_USER_IDS {
                recent.pop_front();
            }
            recent.push_back(user_id[..end].to_owned());
        }
    }

    /// Counts a call of `operation` a quota answered 429.
    pub(super) fn record_rate_limited(&self, operation: Operation) {
        self.rate_limited[operation.index()].fetch_add(1, Ordering::SeqCst);
    }

    /// Counts an answer sent with `content-encoding: encoding`.
    pub(super) fn record_compressed(&self, encoding: &str) {
        if let Some(index) = ENCODINGS.iter().position(|e| *e == encoding) {
            self.compressed[index].fetch_add(1, Ordering::SeqCst);
        }
    }

    pub(super) fn requests(&self, operation: Operation) -> u64 {
        self.requests[operation.index()].load(Ordering::SeqCst)
    }

    pub(super) fn recent_user_ids(&self) -> Vec<String> {
        lock(&self.recent_user_ids).iter().cloned().collect()
    }

    /// Everything counted, with the token and fault figures the caller adds.
    pub(super) fn snapshot(&self) -> Stats {
        Stats {
            requests: Operation::ALL
                .iter()
                .map(|op| (*op, self.requests(*op)))
                .collect(),
            tokens_issued: self.tokens_issued.load(Ordering::SeqCst),
            tokens_kept: 0,
            tokens_evicted: 0,
            user_id_requests: self.user_id_requests.load(Ordering::SeqCst),
            recent_user_ids: self.recent_user_ids(),
            faults_pending: BTreeMap::new(),
            compressed_answers: ENCODINGS
                .iter()
                .zip(&self.compressed)
                .map(|(name, count)| ((*name).to_owned(), count.load(Ordering::SeqCst)))
                .filter(|(_, count)| *count > 0)
                .collect(),
            webhooks: super::WebhookStats::default(),
            rate_limited: Operation::ALL
                .iter()
                .map(|op| (*op, self.rate_limited[op.index()].load(Ordering::SeqCst)))
                .filter(|(_, count)| *count > 0)
                .collect(),
            quotas: BTreeMap::new(),
        }
    }

    pub(super) fn reset(&self) {
        for count in &self.requests {
            count.store(0, Ordering::SeqCst);
        }
        self.tokens_issued.store(0, Ordering::SeqCst);
        self.user_id_requests.store(0, Ordering::SeqCst);
        for count in self.compressed.iter().chain(&self.rate_limited) {
            count.store(0, Ordering::SeqCst);
        }
        lock(&self.recent_user_ids).clear();
    }
}

impl super::State {
    /// Every counter, with the token, fault, webhook and quota figures.
    pub(super) fn stats(&self) -> Stats {
        let mut stats = self.counters.snapshot();
        {
            let mut tokens = lock(&self.tokens);
            tokens.sweep(self.now());
            stats.tokens_kept = u64::try_from(tokens.len()).unwrap_or(u64::MAX);
            stats.tokens_evicted = tokens.evicted();
        }
        let faults = lock(&self.faults);
        stats.faults_pending = Operation::ALL
            .iter()
            .map(|op| (*op, faults.pending(*op)))
            .filter(|(_, pending)| *pending > 0)
            .collect();
        stats.webhooks = self.webhooks.stats();
        stats.quotas = lock(&self.quotas).stats();
        stats
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_ids_are_counted_and_only_the_last_few_kept() {
        let counters = Counters::default();
        for i in 0..1000 {
            counters.record(Operation::ListTokens, Some(&format!("u-{i}")));
        }
        counters.record(Operation::ListTokens, Some(&"é".repeat(200)));
        let stats = counters.snapshot();
        assert_eq!(
            stats.requests[&crate::generated::model::Operation::ListTokens],
            1001
        );
        assert_eq!(stats.user_id_requests, 1001);
        assert_eq!(stats.recent_user_ids.len(), RECENT_USER_IDS);
        assert_eq!(stats.recent_user_ids[0], "u-937");
        assert_eq!(stats.recent_user_ids.last().unwrap().len(), 256);
    }
}
