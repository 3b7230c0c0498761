//! Why a sign-in could not be completed: [`ConnectError`], which the crate's
//! [`Error`](crate::error::Error) can hold; `crate::connect` re-exports it beside the
//! sign-ins.

use std::time::Duration;

/// Why a callback was refused before any exchange, or what the sign-in page reported.
/// Nothing was exchanged in any of these cases. Never quotes the code or the `state`;
/// text the sign-in page sent is cut to [`MAX_DESCRIPTION`] bytes and its control
/// characters escaped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectError {
    /// The end user refused access on the sign-in page (`error=access_denied`). Offer
    /// them to start again; nothing is wrong with the integration.
    #[error(
        "the end user refused the connection on the sign-in page{}",
        described(description)
    )]
    Refused {
        /// The page's `error_description`, if any.
        description: Option<String>,
    },

    /// The sign-in page redirected with another `error` (RFC 6749 §4.1.2.1): a bad link
    /// (`invalid_request`, `invalid_scope`, `unauthorized_client`) or a failure on its
    /// side (`server_error`, `temporarily_unavailable`, which may pass if the user starts
    /// again).
    #[error("the sign-in page reported `{error}`{}", described(description))]
    SignInFailed {
        /// The `error` code, escaped.
        error: String,
        /// The page's `error_description`, if any.
        description: Option<String>,
    },

    /// The callback's `state` is missing or is not the one of this sign-in: a forged or
    /// foreign callback (another browser's sign-in, or a cross-site request). Do not
    /// retry it; start a new sign-in.
    #[error(
        "the callback's state does not match the sign-in that was started; start a new sign-in"
    )]
    StateMismatch,

    /// No sign-in waiting in the [`Connect`](crate::connect::Connect) handle has this
    /// callback's `state`: it was never started here, already completed (a replay), or
    /// forgotten. Start a new sign-in.
    #[error("no pending sign-in has this callback's state (never started, already used or forgotten); start a new sign-in")]
    UnknownSignIn,

    /// The sign-in was started longer ago than its lifetime allows. Start a new one.
    #[error("the sign-in expired: it was started more than {} s ago; start a new sign-in", after.as_secs())]
    Expired {
        /// The lifetime that ran out.
        after: Duration,
    },

    /// The callback is not one the sign-in page sends: no code, a code and an error at
    /// once, a parameter given twice, a redirect URI other than the sign-in's, or more
    /// than [`MAX_CALLBACK_LEN`](crate::connect::MAX_CALLBACK_LEN) bytes.
    #[error("the callback is malformed: {0}")]
    MalformedCallback(String),
}

/// The most bytes kept of a description the sign-in page sent.
pub const MAX_DESCRIPTION: usize = 256;

fn described(description: &Option<String>) -> String {
    description
        .as_deref()
        .map_or_else(String::new, |d| format!(": {d}"))
}

impl ConnectError {
    /// Whether starting the sign-in again may succeed without changing anything: the
    /// page reported `server_error` or `temporarily_unavailable`.
    pub fn is_transient(&self) -> bool {
        matches!(self, ConnectError::SignInFailed { error, .. }
            if error == "server_error" || error == "temporarily_unavailable")
    }
}
