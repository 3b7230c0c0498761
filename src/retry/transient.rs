//! Retries of API calls after transient failures (a 5xx, a 408, a broken connection, a
//! timeout), which are off unless a caller turns them on: what may be retried (the
//! [`RetryClassifier`], by default [`IdempotentOnly`]), and the retry budget every clone
//! of a client draws on ([`RetryBudget`], a token bucket after the AWS SDKs' standard
//! retry strategy), so that an outage cannot turn into a storm of retries. The decision
//! itself, with the 401 and 429 rules it comes after, is [`super::decide`].

use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use crate::error::classify::{classify, Failure};
use crate::error::{Error, Phase, TransportCause};
use crate::generated::model::Operation;
use crate::setters::field_setters;

/// The retry budget of transient retries: a bucket of `capacity` tokens shared by every
/// clone of a client. A retry after a timeout takes `timeout_cost` tokens, after any
/// other transient failure `retry_cost`; each successful call puts `success_refill`
/// back, up to `capacity`. When the bucket holds less than a retry costs, the call is not
/// retried (the log says so, at `warn`): during an outage the client soon sends one
/// request per call, and retries come back as calls succeed again.
///
/// The defaults are those of the AWS SDKs' standard strategy: 500, 5, 10 and 1, so
/// 100 retries in a row with no success between them.
///
/// ```
/// use flowpayroll::TransientRetries;
///
/// let policy = TransientRetries::default();
/// assert_eq!((policy.capacity, policy.retry_cost, policy.timeout_cost), (500, 5, 10));
/// let small = policy.with_capacity(20);
/// assert_eq!(small.capacity / small.retry_cost, 4);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TransientRetries {
    /// The tokens the bucket holds when the client is built, and at most. Default 500.
    pub capacity: u32,
    /// The tokens one retry takes, after a failure other than a timeout. Default 5.
    pub retry_cost: u32,
    /// The tokens one retry takes after a timeout. Default 10.
    pub timeout_cost: u32,
    /// The tokens each successful call puts back. Default 1.
    pub success_refill: u32,
}

impl Default for TransientRetries {
    fn default() -> Self {
        Self {
            capacity: 500,
            retry_cost: 5,
            timeout_cost: 10,
            success_refill: 1,
        }
    }
}

field_setters!(TransientRetries {
    with_capacity => capacity: u32,
    with_retry_cost => retry_cost: u32,
    with_timeout_cost => timeout_cost: u32,
    with_success_refill => success_refill: u32,
});

/// Decides whether an API call that failed transiently is sent again.
///
/// It is asked after each failed attempt that the fixed rules leave open: a 401 always
/// re-mints the token and replays the call once, and a 429 always waits for its
/// `Retry-After` ([`crate::RetryPolicy`]); neither reaches the classifier. Whatever it
/// answers, a retry also needs `RetryPolicy::max_retries` not reached, the wait to fit
/// `RetryPolicy::total_budget`, and the retry budget ([`TransientRetries`]) not empty.
///
/// A closure `Fn(Operation, &Error) -> bool` is one; [`IdempotentOnly`] is the default,
/// and a custom one can fall back on it:
///
/// ```
/// use flowpayroll::operation::Operation;
/// use flowpayroll::{Error, FlowPayroll, IdempotentOnly, RetryClassifier};
///
/// // Also retry `update_client`, which this service applies idempotently.
/// let classifier = |operation: Operation, error: &Error| {
///     operation == Operation::UpdateClient && error.is_transient()
///         || IdempotentOnly.should_retry(operation, error)
/// };
/// let client = FlowPayroll::builder()
///     .credentials("id", "secret")
///     .retry_classifier(classifier)
///     .build();
/// assert!(client.is_ok());
/// ```
pub trait RetryClassifier: Send + Sync + 'static {
    /// Whether `operation`, whose last attempt failed with `error`, is sent again.
    fn should_retry(&self, operation: Operation, error: &Error) -> bool;
}

impl<F> RetryClassifier for F
where
    F: Fn(Operation, &Error) -> bool + Send + Sync + 'static,
{
    fn should_retry(&self, operation: Operation, error: &Error) -> bool {
        self(operation, error)
    }
}

/// The default [`RetryClassifier`]: a transient failure is retried when the operation
/// is idempotent ([`Operation::is_idempotent`], from the spec), or, for any operation,
/// when the request never left the client (no DNS answer, no TCP connection, a failed
/// TLS handshake or proxy tunnel, or a timeout while connecting: see
/// [`request_never_sent`]). A permanent transport cause (a refused certificate, say) or
/// an answer other than 408 and 5xx is never retried.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IdempotentOnly;

impl RetryClassifier for IdempotentOnly {
    fn should_retry(&self, operation: Operation, error: &Error) -> bool {
        matches!(classify(error), Failure::Unavailable(_))
            && (operation.is_idempotent() || request_never_sent(error))
    }
}

/// Whether `error` ended the request before any byte of it was written: resolving the
/// host, opening the TCP connection, the proxy's tunnel or the TLS handshake failed or
/// timed out. Such a request is safe to send again whatever the operation.
pub fn request_never_sent(error: &Error) -> bool {
    match error {
        Error::Transport { cause, .. } => matches!(
            cause,
            TransportCause::Dns
                | TransportCause::Connect
                | TransportCause::TlsHandshake(_)
                | TransportCause::Certificate(_)
                | TransportCause::Proxy(_)
        ),
        Error::Timeout {
            phase: Some(phase), ..
        } => matches!(phase, Phase::Dns | Phase::Connect | Phase::Connecting),
        _ => false,
    }
}

/// The tokens of a [`TransientRetries`] bucket, shared by the clones of a client.
// Hand-written: a compare-and-swap on one counter; the crates that have such a bucket
// (the AWS SDK's runtime) come with a whole HTTP stack.
#[derive(Debug)]
pub(crate) struct RetryBudget {
    policy: TransientRetries,
    tokens: AtomicU32,
}

impl RetryBudget {
    pub fn new(policy: TransientRetries) -> Self {
        Self {
            tokens: AtomicU32::new(policy.capacity),
            policy,
        }
    }

    /// Takes the cost of a retry after `error`; `false` (and nothing taken) when the
    /// bucket holds less.
    pub fn withdraw(&self, error: &Error) -> bool {
        let timed_out = match error {
            Error::Timeout { .. } => true,
            Error::Transport { source, .. } => source.is_timeout(),
            _ => false,
        };
        let cost = if timed_out {
            self.policy.timeout_cost
        } else {
            self.policy.retry_cost
        };
        self.tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |left| {
                left.checked_sub(cost)
            })
            .is_ok()
    }

    /// Puts a success's refill back, up to the capacity.
    pub fn refill(&self) {
        let (refill, capacity) = (self.policy.success_refill, self.policy.capacity);
        if refill == 0 {
            return;
        }
        let _ = self
            .tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |left| {
                (left < capacity).then(|| left.saturating_add(refill).min(capacity))
            });
    }

    /// The tokens left.
    pub fn left(&self) -> u32 {
        self.tokens.load(Ordering::Acquire)
    }
}

/// What a client that retries transient failures shares between its clones: the
/// classifier and the budget.
pub(crate) struct Transient {
    pub classifier: Arc<dyn RetryClassifier>,
    pub budget: RetryBudget,
}

impl Transient {
    /// Transient retries under `policy`, decided by `classifier` (default
    /// [`IdempotentOnly`]).
    pub fn new(policy: TransientRetries, classifier: Option<Arc<dyn RetryClassifier>>) -> Self {
        Self {
            classifier: classifier.unwrap_or_else(|| Arc::new(IdempotentOnly)),
            budget: RetryBudget::new(policy),
        }
    }
}

impl Transient {
    /// The classifier's answer; a classifier that panics says no (and is logged), so
    /// the caller gets the call's own error.
    pub fn should_retry(&self, operation: Operation, error: &Error) -> bool {
        let ask = || self.classifier.should_retry(operation, error);
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(ask)).unwrap_or_else(|_| {
            tracing::warn!(
                target: "flowpayroll::api",
                operation = operation.id(),
                "the retry classifier panicked; not retried"
            );
            false
        })
    }
}

impl fmt::Debug for Transient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transient")
            .field("budget", &self.budget)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::retry::tests::api_error;

    #[test]
    fn a_retry_takes_its_cost_until_the_bucket_is_short_and_a_success_refills_it() {
        let budget = RetryBudget::new(TransientRetries::default().with_capacity(12));
        let unavailable = api_error("list_tokens", 503, None, b"");
        assert!(budget.withdraw(&unavailable));
        assert!(budget.withdraw(&unavailable));
        assert_eq!(budget.left(), 2);
        assert!(!budget.withdraw(&unavailable));
        assert_eq!(budget.left(), 2);
        for _ in 0..20 {
            budget.refill();
        }
        assert_eq!(budget.left(), 12);
        let timeout = Error::Timeout {
            operation: Operation::ListTokens,
            after: std::time::Duration::from_secs(1),
            limit: crate::error::Limit::Request,
            phase: Some(Phase::Answer),
            host: None,
        };
        assert!(budget.withdraw(&timeout));
        assert_eq!(budget.left(), 2);
    }

    #[test]
    fn a_panicking_classifier_means_no_retry() {
        let classifier: Arc<dyn RetryClassifier> =
            Arc::new(|_: Operation, _: &Error| -> bool { panic!("the user's bug") });
        let transient = Transient::new(TransientRetries::default(), Some(classifier));
        let unavailable = api_error("get_client", 503, None, b"");
        assert!(!transient.should_retry(Operation::GetClient, &unavailable));
        let transient = Transient::new(TransientRetries::default(), None);
        assert!(transient.should_retry(Operation::GetClient, &unavailable));
    }

    #[test]
    fn the_default_classifier_retries_what_is_idempotent_or_never_left() {
        let unavailable = api_error("update_client", 503, None, b"");
        assert!(!IdempotentOnly.should_retry(Operation::UpdateClient, &unavailable));
        let unavailable = api_error("get_client", 503, None, b"");
        assert!(IdempotentOnly.should_retry(Operation::GetClient, &unavailable));
        let conflict = api_error("get_client", 409, None, b"");
        assert!(!IdempotentOnly.should_retry(Operation::GetClient, &conflict));
        let connecting = Error::Timeout {
            operation: Operation::UpdateClient,
            after: std::time::Duration::from_secs(1),
            limit: crate::error::Limit::Connect,
            phase: Some(Phase::Connecting),
            host: None,
        };
        assert!(IdempotentOnly.should_retry(Operation::UpdateClient, &connecting));
        let answering = Error::Timeout {
            phase: Some(Phase::Answer),
            limit: crate::error::Limit::Request,
            operation: Operation::UpdateClient,
            after: std::time::Duration::from_secs(1),
            host: None,
        };
        assert!(!IdempotentOnly.should_retry(Operation::UpdateClient, &answering));
        assert!(IdempotentOnly.should_retry(Operation::GetClient, &answering));
    }
}
