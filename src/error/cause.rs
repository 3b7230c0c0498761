//! Why a request got no (whole) answer, by cause: the typed, non-exhaustive values a
//! caller matches on ([`TransportCause`] and its reasons, [`Phase`] and [`Limit`] of a
//! timeout), their words, the action that goes with each, and which are permanent.
//!
//! Permanent causes (a certificate the client will never accept, a TLS version or
//! cipher it will never speak, a proxy that wants credentials) are not retried and are
//! remembered for the token endpoint's permanent cooldown; the rule table is in
//! `docs/errors.md` and in the spec's `x-flowpayroll-decisions` (`transport causes`).

use std::fmt;
use std::time::SystemTime;

use crate::secret::terminal::Escaped;

/// Why a request failed before a whole response arrived ([`crate::Error::Transport`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportCause {
    /// The host name did not resolve.
    Dns,
    /// No TCP connection: refused, unreachable, or reset while connecting.
    Connect,
    /// The TLS handshake failed, for a reason other than the certificate.
    TlsHandshake(TlsProblem),
    /// The server's certificate was refused.
    Certificate(CertificateProblem),
    /// The https proxy did not open a tunnel.
    Proxy(ProxyProblem),
    /// The connection broke while the request was being sent.
    RequestWrite,
    /// No valid response headers arrived: the connection closed or was reset first, or
    /// the answer was not HTTP.
    WaitingForHeaders,
    /// The response's body broke off: the connection closed or was reset, or its
    /// framing (chunks) was wrong.
    BodyRead,
    /// The body could not be decompressed (a broken `Content-Encoding`).
    Decode,
}

/// Why a TLS handshake failed ([`TransportCause::TlsHandshake`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlsProblem {
    /// The server speaks no TLS version the client does (the client speaks 1.2 and 1.3).
    ProtocolVersion,
    /// The server and the client share no cipher suite, key exchange or signature scheme.
    NoCommonAlgorithm,
    /// The server did not answer in TLS at all (often plain HTTP on an https port).
    NotTls,
    /// The server ended the handshake with this alert (its name, in words).
    Alert(String),
    /// The connection closed or was reset during the handshake.
    Closed,
    /// Anything else, in the TLS library's words.
    Other(String),
}

/// Why the server's certificate was refused ([`TransportCause::Certificate`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CertificateProblem {
    /// It expired at `not_after`; `now` is the client's clock when it checked.
    Expired {
        /// The end of its validity, when the TLS library said.
        not_after: Option<SystemTime>,
        /// The time the client checked it at, when the TLS library said.
        now: Option<SystemTime>,
    },
    /// It is valid only from `not_before`; `now` is the client's clock when it checked.
    NotYetValid {
        /// The start of its validity, when the TLS library said.
        not_before: Option<SystemTime>,
        /// The time the client checked it at, when the TLS library said.
        now: Option<SystemTime>,
    },
    /// It is for other host names than the one the client called.
    WrongHost,
    /// It is not signed by an authority the client trusts (self-signed, or a private CA).
    UnknownIssuer,
    /// Its issuer revoked it.
    Revoked,
    /// Its signature does not check out, or uses an algorithm the client refuses.
    BadSignature,
    /// Anything else, in the TLS library's words.
    Other(String),
}

/// Why the https proxy did not open a tunnel ([`TransportCause::Proxy`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProxyProblem {
    /// It answered 407: it wants credentials, or refused the ones in its URL.
    AuthenticationRequired,
    /// It answered `CONNECT` with another status than 200 (the host may be blocked).
    Refused,
    /// It could not be reached, or closed the connection before answering.
    Unreachable,
}

/// Where a request stood when one of its time limits was reached
/// ([`crate::Error::Timeout`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Phase {
    /// Resolving the host name.
    Dns,
    /// Opening the TCP connection.
    Connect,
    /// Connecting, when the client cannot tell which step stalled: the TCP connection,
    /// the proxy's tunnel or the TLS handshake (a proxy from the environment with a
    /// `NO_PROXY` list, and IP addresses for both hosts).
    Connecting,
    /// Through the https proxy, before its tunnel was open: the TCP connection to the
    /// proxy or its answer to `CONNECT`.
    ProxyTunnel,
    /// The TLS handshake with the server: it began and did not finish.
    TlsHandshake,
    /// Connected, before the response's headers: sending the request or waiting for the
    /// server's answer.
    Answer,
    /// Reading the response's body.
    BodyRead,
}

/// Which time limit was reached ([`crate::Error::Timeout`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Limit {
    /// [`crate::FlowPayrollBuilder::connect_timeout`]: TCP and the TLS handshake.
    Connect,
    /// [`crate::FlowPayrollBuilder::timeout`]: one API request.
    Request,
    /// [`crate::FlowPayrollBuilder::token_timeout`]: one token request.
    TokenRequest,
    /// [`crate::RetryPolicy::total_budget`]: a whole call, every attempt and wait.
    CallBudget,
    /// [`crate::TokenRequestPolicy::deadline`]: a whole token mint.
    MintDeadline,
}

impl TransportCause {
    /// Whether retrying cannot help until someone changes something (a certificate, the
    /// trusted roots, the server's TLS set-up, the proxy's credentials): such failures
    /// are not retried, and the token endpoint remembers them for its permanent cooldown.
    pub fn is_permanent(&self) -> bool {
        match self {
            TransportCause::Certificate(_) => true,
            TransportCause::TlsHandshake(problem) => matches!(
                problem,
                TlsProblem::ProtocolVersion | TlsProblem::NoCommonAlgorithm | TlsProblem::NotTls
            ),
            TransportCause::Proxy(problem) => *problem == ProxyProblem::AuthenticationRequired,
            _ => false,
        }
    }

    /// What to do about it, in one sentence.
    pub fn action(&self) -> &'static str {
        match self {
            TransportCause::Dns => "check the host name in the URL and the machine's DNS settings",
            TransportCause::Connect => {
                "check that the host and port are right and that a firewall lets the connection through; it is retried"
            }
            TransportCause::TlsHandshake(TlsProblem::ProtocolVersion) => {
                "the server must offer TLS 1.2 or 1.3; older versions are never used"
            }
            TransportCause::TlsHandshake(TlsProblem::NoCommonAlgorithm) => {
                "the server must offer a modern cipher suite (TLS 1.2 ECDHE with AES-GCM or ChaCha20, or TLS 1.3)"
            }
            TransportCause::TlsHandshake(TlsProblem::NotTls) => {
                "check that the URL's port serves https (use http:// only for a local server)"
            }
            TransportCause::TlsHandshake(_) => {
                "check the server's TLS set-up, or a middlebox between; it is retried"
            }
            TransportCause::Certificate(CertificateProblem::Expired { .. })
            | TransportCause::Certificate(CertificateProblem::NotYetValid { .. }) => {
                "check the system clock; if it is right, the server must renew its certificate"
            }
            TransportCause::Certificate(CertificateProblem::WrongHost) => {
                "check the host name in the URL; it must be one the certificate names"
            }
            TransportCause::Certificate(CertificateProblem::UnknownIssuer) => {
                "trust the issuing CA with `add_root_certificate` (the CLI: --ca-file or FLOWPAYROLL_CA_FILE)"
            }
            TransportCause::Certificate(_) => "the server must present a valid certificate",
            TransportCause::Proxy(ProxyProblem::AuthenticationRequired) => {
                "check the proxy's credentials (user and password in its URL)"
            }
            TransportCause::Proxy(ProxyProblem::Refused) => {
                "check that the proxy allows CONNECT to this host and port"
            }
            TransportCause::Proxy(ProxyProblem::Unreachable) => {
                "check the proxy URL (HTTPS_PROXY or `https_proxy`) and that the proxy runs; it is retried"
            }
            TransportCause::RequestWrite
            | TransportCause::WaitingForHeaders
            | TransportCause::BodyRead => {
                "the network or the server dropped the connection; a token request is retried, an API call can be retried"
            }
            TransportCause::Decode => {
                "the server sent a body its Content-Encoding does not describe; report it to Flow Payroll"
            }
        }
    }
}

/// A time as RFC 3339, in UTC to the second: `2021-01-01T00:00:00Z`.
pub(crate) fn rfc3339(time: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(time).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl fmt::Display for CertificateProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CertificateProblem::Expired { not_after, now } => {
                f.write_str("the server's certificate expired")?;
                if let Some(not_after) = not_after {
                    write!(f, " at {}", rfc3339(*not_after))?;
                }
                if let Some(now) = now {
                    write!(f, " (the client's clock says {})", rfc3339(*now))?;
                }
                Ok(())
            }
            CertificateProblem::NotYetValid { not_before, now } => {
                f.write_str("the server's certificate is not valid yet")?;
                if let Some(not_before) = not_before {
                    write!(f, ": it starts at {}", rfc3339(*not_before))?;
                }
                if let Some(now) = now {
                    write!(f, " (the client's clock says {})", rfc3339(*now))?;
                }
                Ok(())
            }
            CertificateProblem::WrongHost => {
                f.write_str("the server's certificate is for another host name")
            }
            CertificateProblem::UnknownIssuer => f.write_str(
                "the server's certificate is not signed by an authority the client trusts",
            ),
            CertificateProblem::Revoked => f.write_str("the server's certificate is revoked"),
            CertificateProblem::BadSignature => {
                f.write_str("the server's certificate has a signature the client refuses")
            }
            CertificateProblem::Other(words) => {
                write!(
                    f,
                    "the server's certificate was refused: {}",
                    Escaped(words)
                )
            }
        }
    }
}

impl fmt::Display for TlsProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsProblem::ProtocolVersion => {
                f.write_str("the server offers no TLS version the client speaks (1.2 or 1.3)")
            }
            TlsProblem::NoCommonAlgorithm => {
                f.write_str("the server and the client share no TLS cipher suite")
            }
            TlsProblem::NotTls => f.write_str("the server did not answer in TLS"),
            TlsProblem::Alert(alert) => {
                write!(f, "the server ended the TLS handshake ({})", Escaped(alert))
            }
            TlsProblem::Closed => f.write_str("the connection closed during the TLS handshake"),
            TlsProblem::Other(words) => write!(f, "the TLS handshake failed: {}", Escaped(words)),
        }
    }
}

impl fmt::Display for ProxyProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ProxyProblem::AuthenticationRequired => {
                "the https proxy wants credentials (407 Proxy Authentication Required)"
            }
            ProxyProblem::Refused => "the https proxy refused to open a tunnel",
            ProxyProblem::Unreachable => "the https proxy could not be reached",
        })
    }
}

impl fmt::Display for TransportCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransportCause::Dns => f.write_str("the host name does not resolve"),
            TransportCause::Connect => f.write_str("no TCP connection"),
            TransportCause::TlsHandshake(problem) => problem.fmt(f),
            TransportCause::Certificate(problem) => problem.fmt(f),
            TransportCause::Proxy(problem) => problem.fmt(f),
            TransportCause::RequestWrite => {
                f.write_str("the connection broke while the request was sent")
            }
            TransportCause::WaitingForHeaders => f.write_str("no valid response headers"),
            TransportCause::BodyRead => f.write_str("the response's body could not be read"),
            TransportCause::Decode => f.write_str("the response's body could not be decompressed"),
        }
    }
}

impl Phase {
    /// "no TLS handshake", "no response headers"...: what did not happen in time.
    pub(crate) fn missing(self) -> &'static str {
        match self {
            Phase::Dns => "no DNS answer for",
            Phase::Connect => "no TCP connection to",
            Phase::Connecting => "no connection (TCP, proxy tunnel or TLS handshake) to",
            Phase::ProxyTunnel => "no tunnel through the https proxy to",
            Phase::TlsHandshake => "no TLS handshake from",
            Phase::Answer => "no answer from",
            Phase::BodyRead => "the response body stalled from",
        }
    }
}

impl Phase {
    /// What to do when the connect timeout struck in this phase, where it says more than
    /// [`Limit::action`].
    pub(crate) fn connect_action(self) -> Option<&'static str> {
        match self {
            Phase::TlsHandshake => Some(
                "the server accepted the TCP connection and sent no TLS answer: check that the port serves TLS and that nothing between holds the handshake, or raise `connect_timeout`",
            ),
            Phase::ProxyTunnel => Some(
                "the https proxy did not open its tunnel: check the proxy URL (HTTPS_PROXY or `https_proxy`) and that the proxy can reach the host, or raise `connect_timeout`",
            ),
            _ => None,
        }
    }
}

impl Limit {
    /// The limit's name, as in "(connect timeout)".
    pub(crate) fn name(self) -> &'static str {
        match self {
            Limit::Connect => "connect timeout",
            Limit::Request => "request timeout",
            Limit::TokenRequest => "token request timeout",
            Limit::CallBudget => "the call's total budget",
            Limit::MintDeadline => "the token mint's deadline",
        }
    }

    /// What to do when it is reached.
    pub(crate) fn action(self) -> &'static str {
        match self {
            Limit::Connect => {
                "a firewall that drops packets, or a server that accepts and never answers; check the host, port and proxy, or raise `connect_timeout`"
            }
            Limit::Request | Limit::TokenRequest => {
                "the server is slow or stalled; it is retried for a token request, or raise `timeout` / `token_timeout`"
            }
            Limit::CallBudget => {
                "every attempt and wait together took too long; retry later or raise `RetryPolicy::total_budget`"
            }
            Limit::MintDeadline => {
                "the token endpoint did not answer in time; retry later or raise `TokenRequestPolicy::deadline`"
            }
        }
    }
}
