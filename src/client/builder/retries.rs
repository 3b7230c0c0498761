//! The setters of [`FlowPayrollBuilder`] that turn on retries of API calls after
//! transient failures (`crate::retry::transient`): the retry budget and the classifier.

use std::fmt;
use std::sync::Arc;

use super::FlowPayrollBuilder;
use crate::retry::transient::{RetryClassifier, Transient, TransientRetries};

/// Whether API calls retry transient failures, and with what, as configured.
#[derive(Default)]
pub(super) struct TransientChoice {
    policy: Option<TransientRetries>,
    classifier: Option<Arc<dyn RetryClassifier>>,
}

impl TransientChoice {
    /// What the clones of the client share, when transient retries are on.
    pub(super) fn build(self) -> Option<Arc<Transient>> {
        if self.policy.is_none() && self.classifier.is_none() {
            return None;
        }
        let policy = self.policy.unwrap_or_default();
        Some(Arc::new(Transient::new(policy, self.classifier)))
    }
}

impl fmt::Debug for TransientChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransientChoice")
            .field("policy", &self.policy)
            .field("custom_classifier", &self.classifier.is_some())
            .finish()
    }
}

impl FlowPayrollBuilder {
    /// Retries API calls after transient failures (a 5xx, a 408, a broken connection,
    /// a timeout) too, not only after a 429: an idempotent operation
    /// ([`Operation::is_idempotent`](crate::operation::Operation::is_idempotent)) on
    /// any of them, any operation when its request never left the client (see
    /// [`crate::request_never_sent`]); [`Self::retry_classifier`] replaces that rule.
    /// Off by default.
    ///
    /// Each retry waits a backoff with full jitter (or a 503's `Retry-After`) and
    /// counts against [`crate::RetryPolicy`]'s `max_retries` and `total_budget`, and
    /// takes its cost from the retry budget every clone of the client shares
    /// ([`TransientRetries`]): when that is empty, the error goes to the caller at
    /// once. Unlike a 429, such a wait holds back only its own call.
    ///
    /// ```
    /// use flowpayroll::{FlowPayroll, TransientRetries};
    ///
    /// let client = FlowPayroll::builder()
    ///     .credentials("id", "secret")
    ///     .retry_transient_failures(TransientRetries::default().with_capacity(100))
    ///     .build();
    /// assert!(client.is_ok());
    /// ```
    pub fn retry_transient_failures(mut self, policy: TransientRetries) -> Self {
        self.transient.policy = Some(policy);
        self
    }

    /// Decides which transient failures are retried, instead of
    /// [`crate::IdempotentOnly`]; turns transient retries on (with the default
    /// [`TransientRetries`] unless [`Self::retry_transient_failures`] sets another).
    /// The 401 and 429 rules come first and do not ask it.
    pub fn retry_classifier(mut self, classifier: impl RetryClassifier) -> Self {
        self.transient.classifier = Some(Arc::new(classifier));
        self
    }
}
