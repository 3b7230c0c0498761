//! Forced answers: per operation, a queue of faults for its next calls, kept as runs
//! (fault, how many times) so that "the next million calls" is one entry; and the body
//! of the faults that break an answer's body ([`Staged`]). What the sandbox cannot
//! inject: anything before the request is read (a TCP connect or a TLS handshake that
//! stalls: it serves plain HTTP, on a port that accepts at once).

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::StatusCode;
use http_body::Frame;

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
    /// Answer normally, but send the second half of the body only after this delay (on
    /// the sandbox's clock): a client's request timeout strikes while it reads the body.
    SlowBody(Duration),
    /// Answer normally, but close the connection after half the body: the connection
    /// broke in the middle of the answer.
    CutBody,
    /// Read the request, then close the connection with a TCP reset before any answer:
    /// the client sees the connection reset while it waits for the headers.
    ResetBeforeHeaders,
    /// Read the request and never answer, until the client gives up (its request
    /// timeout) or the sandbox stops: a server that stalls before its headers.
    StallBeforeHeaders,
}

/// The body of a [`Fault::SlowBody`] or [`Fault::CutBody`] answer: the first half at
/// once, then the rest once `pause` resolves true, or an error (the connection is
/// closed) when it resolves false (a cut, or the sandbox is stopping).
pub(super) struct Staged {
    first: Option<Bytes>,
    pause: Pin<Box<dyn Future<Output = bool> + Send>>,
    rest: Option<Bytes>,
}

impl Staged {
    /// Splits `body` in two halves, with `pause` between them.
    pub(super) fn new(body: Bytes, pause: Pin<Box<dyn Future<Output = bool> + Send>>) -> Self {
        let half = body.len() / 2;
        Self {
            first: Some(body.slice(..half)),
            pause,
            rest: Some(body.slice(half..)),
        }
    }
}

impl http_body::Body for Staged {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        context: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        if let Some(first) = self.first.take() {
            return Poll::Ready(Some(Ok(Frame::data(first))));
        }
        let Some(rest) = self.rest.take() else {
            return Poll::Ready(None);
        };
        let go_on = match self.pause.as_mut().poll(context) {
            Poll::Ready(go_on) => go_on,
            Poll::Pending => {
                self.rest = Some(rest);
                return Poll::Pending;
            }
        };
        if go_on {
            Poll::Ready(Some(Ok(Frame::data(rest))))
        } else {
            Poll::Ready(Some(Err(std::io::Error::other(
                "the body was cut by a sandbox fault",
            ))))
        }
    }
}

impl std::fmt::Debug for Staged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Staged").finish_non_exhaustive()
    }
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
