//! Reading a [`reqwest::Error`] into a [`TransportCause`] or, for a timeout, the
//! [`Phase`] it stalled in, by walking its chain of sources: rustls errors (downcast),
//! I/O error kinds, and hyper-util's connector and tunnel errors. Those two types are
//! not exported by hyper-util, so they are recognised by their fixed texts ("dns
//! error", "tcp connect error", "tunnel error: ...").

use std::error::Error as StdError;
use std::io::ErrorKind;
use std::time::{Duration, SystemTime};

use crate::error::cause::{CertificateProblem, Phase, ProxyProblem, TlsProblem, TransportCause};
use crate::error::stall::ConnectStall;

/// Where the request was when it failed: before its response's headers (`send`) or
/// reading its body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    /// Connecting, sending, waiting for headers.
    Send,
    /// Reading the body.
    Body,
}

/// Every error of `error`'s source chain, `error` first.
fn chain<'a>(error: &'a (dyn StdError + 'static)) -> Vec<&'a (dyn StdError + 'static)> {
    let mut all = Vec::new();
    let mut next = Some(error);
    // Bounded: a chain is a handful of errors; a cycle cannot make this spin.
    while let Some(current) = next.filter(|_| all.len() < 32) {
        all.push(current);
        next = match current.downcast_ref::<std::io::Error>() {
            Some(io) => match io.get_ref() {
                Some(inner) => Some(inner as &(dyn StdError + 'static)),
                None => current.source(),
            },
            None => current.source(),
        };
    }
    all
}

/// The cause of a failed request that did not time out.
pub(crate) fn cause_of(error: &reqwest::Error, stage: Stage) -> TransportCause {
    for cause in chain(error) {
        if let Some(tls) = cause.downcast_ref::<rustls::Error>() {
            return tls_cause(tls);
        }
    }
    let texts: Vec<String> = chain(error)
        .into_iter()
        .skip(1)
        .map(ToString::to_string)
        .collect();
    if let Some(tunnel) = texts.iter().find_map(|t| t.strip_prefix("tunnel error: ")) {
        return TransportCause::Proxy(match tunnel {
            "proxy authorization required" => ProxyProblem::AuthenticationRequired,
            "unsuccessful" | "proxy response headers too long" => ProxyProblem::Refused,
            _ => ProxyProblem::Unreachable,
        });
    }
    if texts.iter().any(|t| t == "dns error") {
        return TransportCause::Dns;
    }
    if texts.iter().any(|t| t == "tcp connect error") {
        return TransportCause::Connect;
    }
    if error.is_connect() {
        // Past TCP (and the tunnel): the TLS handshake, broken without a TLS error.
        let closed = chain(error).into_iter().any(|e| {
            e.downcast_ref::<std::io::Error>().is_some_and(|io| {
                matches!(
                    io.kind(),
                    ErrorKind::UnexpectedEof
                        | ErrorKind::ConnectionReset
                        | ErrorKind::ConnectionAborted
                        | ErrorKind::BrokenPipe
                )
            })
        });
        return if closed {
            TransportCause::TlsHandshake(TlsProblem::Closed)
        } else {
            TransportCause::TlsHandshake(TlsProblem::Other(
                texts.last().cloned().unwrap_or_else(|| error.to_string()),
            ))
        };
    }
    // reqwest reports a body cut off while decoding it as a decode error around the
    // body error: that is a body read, not a broken encoding.
    let body_broke = chain(error).into_iter().any(|e| {
        e.downcast_ref::<reqwest::Error>()
            .is_some_and(reqwest::Error::is_body)
    });
    if error.is_decode() && !body_broke {
        return TransportCause::Decode;
    }
    match stage {
        Stage::Body => TransportCause::BodyRead,
        Stage::Send if error.is_body() || error.is_request() && broke_while_writing(&texts) => {
            TransportCause::RequestWrite
        }
        Stage::Send => TransportCause::WaitingForHeaders,
    }
}

/// What the network layer said, for causes whose category alone does not tell it:
/// "connection refused", "connection reset", "closed early", or hyper's own words
/// ("invalid HTTP version parsed"). `None` for TLS, certificate and proxy causes, whose
/// reasons are typed.
pub(crate) fn detail(error: &reqwest::Error, cause: &TransportCause) -> Option<String> {
    if matches!(
        cause,
        TransportCause::TlsHandshake(_) | TransportCause::Certificate(_) | TransportCause::Proxy(_)
    ) {
        return None;
    }
    let all = chain(error);
    for e in &all {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            let words = match io.kind() {
                ErrorKind::ConnectionRefused => "connection refused",
                ErrorKind::ConnectionReset
                | ErrorKind::ConnectionAborted
                | ErrorKind::BrokenPipe => "connection reset",
                ErrorKind::UnexpectedEof => "closed early",
                _ => continue,
            };
            return Some(words.to_owned());
        }
    }
    let last = all.last()?.to_string();
    // The top error's own text repeats the URL and says nothing more.
    (all.len() > 1).then_some(last)
}

/// hyper's words for a connection that broke while the request was written.
fn broke_while_writing(texts: &[String]) -> bool {
    texts
        .iter()
        .any(|t| t.contains("error writing a body") || t.contains("connection write"))
}

/// Where a timed-out request stalled. For the connect timeout (reqwest marks it as a
/// connect error too) the connector's record of the attempt ([`ConnectStall`]) names the
/// step; hyper's own texts name a DNS or TCP failure that came as a timeout. The connect
/// timeout never outlasts the request timeouts (the builder bounds it by them), so a
/// request timeout before the headers is past connecting.
pub(crate) fn stalled_in(error: &reqwest::Error, stage: Stage) -> Phase {
    if stage == Stage::Body {
        return Phase::BodyRead;
    }
    if !error.is_connect() {
        return Phase::Answer;
    }
    let all = chain(error);
    if let Some(stall) = all.iter().find_map(|e| e.downcast_ref::<ConnectStall>()) {
        let url = error.url();
        return stall.phase(
            url.and_then(url::Url::host_str),
            url.is_some_and(|u| u.scheme() == "https"),
        );
    }
    let texts: Vec<String> = all.into_iter().skip(1).map(ToString::to_string).collect();
    if texts.iter().any(|t| t == "dns error") {
        Phase::Dns
    } else if texts.iter().any(|t| t == "tcp connect error") {
        Phase::Connect
    } else {
        Phase::Connecting
    }
}

fn unix(time: rustls::pki_types::UnixTime) -> Option<SystemTime> {
    SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(time.as_secs()))
}

fn tls_cause(error: &rustls::Error) -> TransportCause {
    use rustls::{AlertDescription as A, CertificateError as C, Error as E, PeerIncompatible as P};
    let certificate = |problem| TransportCause::Certificate(problem);
    let tls = |problem| TransportCause::TlsHandshake(problem);
    match error {
        E::InvalidCertificate(certificate_error) => certificate(match certificate_error {
            C::Expired => CertificateProblem::Expired {
                not_after: None,
                now: None,
            },
            C::ExpiredContext { time, not_after } => CertificateProblem::Expired {
                not_after: unix(*not_after),
                now: unix(*time),
            },
            C::NotValidYet => CertificateProblem::NotYetValid {
                not_before: None,
                now: None,
            },
            C::NotValidYetContext { time, not_before } => CertificateProblem::NotYetValid {
                not_before: unix(*not_before),
                now: unix(*time),
            },
            C::NotValidForName | C::NotValidForNameContext { .. } => CertificateProblem::WrongHost,
            C::UnknownIssuer => CertificateProblem::UnknownIssuer,
            C::Revoked => CertificateProblem::Revoked,
            C::BadSignature
            | C::UnsupportedSignatureAlgorithmContext { .. }
            | C::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => {
                CertificateProblem::BadSignature
            }
            other => CertificateProblem::Other(other.to_string()),
        }),
        E::AlertReceived(A::ProtocolVersion) => tls(TlsProblem::ProtocolVersion),
        E::AlertReceived(A::InsufficientSecurity) => tls(TlsProblem::NoCommonAlgorithm),
        E::AlertReceived(A::HandshakeFailure) => tls(TlsProblem::Alert("handshake failure".into())),
        E::AlertReceived(alert) => tls(TlsProblem::Alert(alert_words(*alert))),
        E::PeerIncompatible(
            P::ServerDoesNotSupportTls12Or13
            | P::ServerTlsVersionIsDisabledByOurConfig
            | P::Tls12NotOffered
            | P::Tls12NotOfferedOrEnabled,
        ) => tls(TlsProblem::ProtocolVersion),
        E::PeerIncompatible(
            P::NoCipherSuitesInCommon | P::NoKxGroupsInCommon | P::NoSignatureSchemesInCommon,
        ) => tls(TlsProblem::NoCommonAlgorithm),
        E::InvalidMessage(_) | E::InappropriateMessage { .. } => tls(TlsProblem::NotTls),
        other => tls(TlsProblem::Other(other.to_string())),
    }
}

/// `BadRecordMac` → "bad record mac": an alert's name in words.
fn alert_words(alert: rustls::AlertDescription) -> String {
    let name = format!("{alert:?}");
    let mut words = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            words.push(' ');
        }
        words.push(c.to_ascii_lowercase());
    }
    words
}
