//! Forced answers: per operation, a queue of faults for its next calls, kept as runs
//! (fault, how many times) so that "the next million calls" is one entry.

use std::collections::VecDeque;
use std::time::Duration;

use http::StatusCode;

use crate::generated::model::Operation;

/// A forced answer for the next calls of an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer with this status and the spec's example body for it.
    Status(StatusCode),
    /// Answer 429 with `Retry-After` of `retry_after`, in whole seconds (rounded up).
    TooManyRequests {
        /// The wait to ask for.
        retry_after: Duration,
    },
    /// Answer normally, after this delay (on the sandbox's clock).
    Slow(Duration),
    /// Answer 200 with a body that is not JSON (a truncated object), as a broken proxy
    /// would.
    MalformedBody,
}

/// The body a [`Fault::MalformedBody`] answer carries.
pub(super) const MALFORMED_BODY: &str = r#"{"access_token": "eyJhbGciOi"#;

/// Pending faults of every operation.
#[derive(Debug)]
pub(super) struct Faults {
    queues: Vec<VecDeque<(Fault, u64)>>,
}

impl Default for Faults {
    fn default() -> Self {
        Self {
            queues: vec![VecDeque::new(); Operation::COUNT],
        }
    }
}

impl Faults {
    /// Queues `fault` for the next `times` calls of `operation`, after the faults already
    /// queued for it.
    pub(super) fn push(&mut self, operation: Operation, times: u64, fault: Fault) {
        if times == 0 {
            return;
        }
        let queue = &mut self.queues[operation.index()];
        match queue.back_mut() {
            Some((last, count)) if *last == fault => *count = count.saturating_add(times),
            _ => queue.push_back((fault, times)),
        }
    }

    /// How many runs (distinct consecutive faults) are queued for `operation`.
    pub(super) fn runs(&self, operation: Operation) -> usize {
        self.queues[operation.index()].len()
    }

    /// How many calls of `operation` will still be faulted.
    pub(super) fn pending(&self, operation: Operation) -> u64 {
        self.queues[operation.index()]
            .iter()
            .fold(0, |sum, (_, count)| sum.saturating_add(*count))
    }

    /// The fault for this call of `operation`, if one is queued.
    pub(super) fn take(&mut self, operation: Operation) -> Option<Fault> {
        let queue = &mut self.queues[operation.index()];
        let (fault, count) = queue.front_mut()?;
        let fault = fault.clone();
        *count -= 1;
        if *count == 0 {
            queue.pop_front();
        }
        Some(fault)
    }

    /// Drops every pending fault.
    pub(super) fn clear(&mut self) {
        *self = Self::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_come_in_order_and_runs_merge() {
        let mut faults = Faults::default();
        faults.push(
            Operation::ListTokens,
            2,
            Fault::Status(StatusCode::INTERNAL_SERVER_ERROR),
        );
        faults.push(
            Operation::ListTokens,
            1_000_000,
            Fault::Status(StatusCode::INTERNAL_SERVER_ERROR),
        );
        faults.push(Operation::ListTokens, 1, Fault::MalformedBody);
        assert_eq!(faults.runs(Operation::ListTokens), 2);
        assert_eq!(faults.pending(Operation::ListTokens), 1_000_003);
        assert_eq!(faults.take(Operation::GetClient), None);
        for _ in 0..1_000_002 {
            assert_eq!(
                faults.take(Operation::ListTokens),
                Some(Fault::Status(StatusCode::INTERNAL_SERVER_ERROR))
            );
        }
        assert_eq!(
            faults.take(Operation::ListTokens),
            Some(Fault::MalformedBody)
        );
        assert_eq!(faults.take(Operation::ListTokens), None);
        faults.push(
            Operation::RequestToken,
            0,
            Fault::Status(StatusCode::INTERNAL_SERVER_ERROR),
        );
        assert_eq!(faults.pending(Operation::RequestToken), 0);
    }
}
