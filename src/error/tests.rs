//! Unit tests of `error`.

use super::connect::ConnectError;
use super::*;

#[test]
fn body_prefix_is_bounded() {
    let body = "x".repeat(2000);
    let prefix = BodyPrefix::new(body.as_bytes(), true);
    assert_eq!(prefix.text().len(), BodyPrefix::LIMIT);
    assert!(prefix.is_truncated());
    assert!(prefix.to_string().ends_with("... (2000 bytes in all)"));
}

#[test]
fn body_prefix_cuts_on_a_character_boundary() {
    let mut body = "a".repeat(BodyPrefix::LIMIT - 1);
    body.push('é');
    let prefix = BodyPrefix::new(body.as_bytes(), true);
    assert_eq!(prefix.text(), "a".repeat(BodyPrefix::LIMIT - 1));
}

/// One value of every cause and reason. The match below has no wildcard: a new variant
/// does not compile until it is added here, and so checked against `docs/errors.md`.
fn every_cause() -> Vec<TransportCause> {
    let causes = vec![
        TransportCause::Dns,
        TransportCause::Connect,
        TransportCause::TlsHandshake(TlsProblem::ProtocolVersion),
        TransportCause::TlsHandshake(TlsProblem::NoCommonAlgorithm),
        TransportCause::TlsHandshake(TlsProblem::NotTls),
        TransportCause::TlsHandshake(TlsProblem::Alert("bad record mac".into())),
        TransportCause::TlsHandshake(TlsProblem::Closed),
        TransportCause::TlsHandshake(TlsProblem::Other("x".into())),
        TransportCause::Certificate(CertificateProblem::Expired {
            not_after: None,
            now: None,
        }),
        TransportCause::Certificate(CertificateProblem::NotYetValid {
            not_before: None,
            now: None,
        }),
        TransportCause::Certificate(CertificateProblem::WrongHost),
        TransportCause::Certificate(CertificateProblem::UnknownIssuer),
        TransportCause::Certificate(CertificateProblem::Revoked),
        TransportCause::Certificate(CertificateProblem::BadSignature),
        TransportCause::Certificate(CertificateProblem::Other("x".into())),
        TransportCause::Proxy(ProxyProblem::AuthenticationRequired),
        TransportCause::Proxy(ProxyProblem::Refused),
        TransportCause::Proxy(ProxyProblem::Unreachable),
        TransportCause::RequestWrite,
        TransportCause::WaitingForHeaders,
        TransportCause::BodyRead,
        TransportCause::Decode,
    ];
    for cause in &causes {
        match cause {
            TransportCause::Dns
            | TransportCause::Connect
            | TransportCause::RequestWrite
            | TransportCause::WaitingForHeaders
            | TransportCause::BodyRead
            | TransportCause::Decode => {}
            TransportCause::TlsHandshake(
                TlsProblem::ProtocolVersion
                | TlsProblem::NoCommonAlgorithm
                | TlsProblem::NotTls
                | TlsProblem::Alert(_)
                | TlsProblem::Closed
                | TlsProblem::Other(_),
            ) => {}
            TransportCause::Certificate(
                CertificateProblem::Expired { .. }
                | CertificateProblem::NotYetValid { .. }
                | CertificateProblem::WrongHost
                | CertificateProblem::UnknownIssuer
                | CertificateProblem::Revoked
                | CertificateProblem::BadSignature
                | CertificateProblem::Other(_),
            ) => {}
            TransportCause::Proxy(
                ProxyProblem::AuthenticationRequired
                | ProxyProblem::Refused
                | ProxyProblem::Unreachable,
            ) => {}
        }
    }
    causes
}

/// The rows of the causes table of `docs/errors.md`: (first column, permanent, action).
fn documented_causes() -> Vec<(String, bool, String)> {
    let doc = include_str!("../../docs/errors.md");
    let table = doc
        .split("| Cause | Permanent | What to do |")
        .nth(1)
        .expect("the causes table");
    table
        .lines()
        .skip(2)
        .take_while(|line| line.starts_with('|'))
        .map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            (cells[1].to_owned(), cells[2] == "yes", cells[3].to_owned())
        })
        .collect()
}

/// `TlsHandshake(TlsProblem::Closed)` → "TlsProblem::Closed", as the rows name it.
fn reason_name(cause: &TransportCause) -> String {
    let debug = format!("{cause:?}");
    let outer = debug.split('(').next().unwrap_or_default().to_owned();
    match debug.split_once('(') {
        None => format!("TransportCause::{outer}"),
        Some((_, inner)) => {
            let inner = inner.split([' ', '(', ')']).next().unwrap_or_default();
            let kind = match cause {
                TransportCause::TlsHandshake(_) => "TlsProblem",
                TransportCause::Certificate(_) => "CertificateProblem",
                _ => "ProxyProblem",
            };
            format!("{kind}::{inner}")
        }
    }
}

#[test]
fn every_cause_has_a_row_in_docs_errors_md_with_its_action_and_rule() {
    let rows = documented_causes();
    for cause in every_cause() {
        let name = reason_name(&cause);
        let row = rows
            .iter()
            .find(|(names, _, _)| {
                names.split(", ").any(|n| {
                    n.trim_matches('`').ends_with(&name) || n.contains(&format!("{name})"))
                })
            })
            .unwrap_or_else(|| panic!("no row for {name} in docs/errors.md"));
        assert_eq!(row.2, cause.action(), "{name}");
        assert_eq!(row.1, cause.is_permanent(), "{name}");
    }
}

#[test]
fn every_action_of_an_error_is_in_docs_errors_md() {
    let doc = include_str!("../../docs/errors.md");
    let timeout = |limit| Error::Timeout {
        operation: Operation::ListTokens,
        after: Duration::from_secs(1),
        limit,
        phase: None,
        host: None,
    };
    let errors = [
        Error::Config("x".into()),
        Error::Io {
            context: "x".into(),
            source: Arc::new(std::io::Error::other("x")),
        },
        Error::NoRuntime,
        Error::InvalidRequest {
            operation: None,
            message: "x".into(),
        },
        timeout(Limit::Connect),
        timeout(Limit::Request),
        timeout(Limit::TokenRequest),
        timeout(Limit::CallBudget),
        timeout(Limit::MintDeadline),
        Error::BodyTooLarge {
            operation: Operation::ListTokens,
            limit: 1,
        },
        Error::TokenUnavailable("x".into()),
        Error::RateLimited {
            operation: Operation::ListTokens,
            retry_after: Duration::from_millis(250),
        },
        Error::Decode {
            operation: Operation::ListTokens,
            reason: "x".into(),
        },
        Error::Connect(ConnectError::Refused { description: None }),
        Error::Connect(ConnectError::SignInFailed {
            error: "server_error".into(),
            description: None,
        }),
        Error::Connect(ConnectError::SignInFailed {
            error: "invalid_scope".into(),
            description: None,
        }),
        Error::Connect(ConnectError::StateMismatch),
        Error::Connect(ConnectError::UnknownSignIn),
        Error::Connect(ConnectError::Expired {
            after: Duration::from_secs(600),
        }),
        Error::Connect(ConnectError::MalformedCallback("x".into())),
    ];
    for error in &errors {
        assert!(
            doc.contains(&format!("| {} |", error.action())),
            "{error:?}: {}",
            error.action()
        );
    }
}

#[test]
fn timeouts_name_their_phase_host_and_limit() {
    let error = Error::Timeout {
        operation: Operation::RequestToken,
        after: Duration::from_secs(10),
        limit: Limit::Connect,
        phase: Some(Phase::Connect),
        host: Some("auth.example".into()),
    };
    assert_eq!(
        error.to_string(),
        "`request_token`: no TCP connection to auth.example within 10 s (connect timeout)"
    );
    let budget = Error::Timeout {
        operation: Operation::ListTokens,
        after: Duration::from_millis(1500),
        limit: Limit::CallBudget,
        phase: None,
        host: None,
    };
    assert_eq!(
        budget.to_string(),
        "`list_tokens` timed out after 1.5 s (the call's total budget)"
    );
}

#[test]
fn certificate_dates_are_rfc_3339() {
    let at = |secs| Some(std::time::UNIX_EPOCH + Duration::from_secs(secs));
    let expired = CertificateProblem::Expired {
        not_after: at(1_609_459_200),
        now: at(1_796_675_797),
    };
    assert_eq!(
        expired.to_string(),
        "the server's certificate expired at 2021-01-01T00:00:00Z (the client's clock says 2026-12-07T20:36:37Z)"
    );
    let early = CertificateProblem::NotYetValid {
        not_before: at(1_893_456_000),
        now: None,
    };
    assert_eq!(
        early.to_string(),
        "the server's certificate is not valid yet: it starts at 2030-01-01T00:00:00Z"
    );
}

#[test]
fn a_sign_in_page_failure_is_transient_and_a_refusal_is_not() {
    let failed = |error: &str| {
        Error::Connect(ConnectError::SignInFailed {
            error: error.into(),
            description: None,
        })
    };
    assert!(failed("server_error").is_transient());
    assert!(failed("temporarily_unavailable").is_transient());
    assert!(!failed("invalid_scope").is_transient());
    assert!(!Error::Connect(ConnectError::Refused { description: None }).is_transient());
    assert!(!Error::Connect(ConnectError::StateMismatch).is_transient());
}

#[test]
fn each_phase_row_has_the_action_a_connect_timeout_in_it_gives() {
    let doc = include_str!("../../docs/errors.md");
    let table = doc
        .split("| Phase | Where the request stalled | What to do |")
        .nth(1)
        .expect("the phases table");
    let rows: Vec<(String, String)> = table
        .lines()
        .skip(2)
        .take_while(|line| line.starts_with('|'))
        .map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            (cells[1].trim_matches('`').to_owned(), cells[3].to_owned())
        })
        .collect();
    let phases = [
        Phase::Dns,
        Phase::Connect,
        Phase::ProxyTunnel,
        Phase::TlsHandshake,
        Phase::Connecting,
        Phase::Answer,
        Phase::BodyRead,
    ];
    assert_eq!(rows.len(), phases.len());
    for phase in phases {
        let error = Error::Timeout {
            operation: Operation::RequestToken,
            after: Duration::from_secs(10),
            limit: Limit::Connect,
            phase: Some(phase),
            host: Some("auth.example".into()),
        };
        let (_, documented) = rows
            .iter()
            .find(|(name, _)| *name == format!("Phase::{phase:?}"))
            .unwrap_or_else(|| panic!("no row for {phase:?}"));
        let expected = if documented == "the action of the limit" {
            Limit::Connect.action()
        } else {
            documented.as_str()
        };
        assert_eq!(error.action(), expected, "{phase:?}");
    }
    let tls = Error::Timeout {
        operation: Operation::RequestToken,
        after: Duration::from_secs(10),
        limit: Limit::Connect,
        phase: Some(Phase::TlsHandshake),
        host: Some("auth.example".into()),
    };
    assert_eq!(
        tls.to_string(),
        "`request_token`: no TLS handshake from auth.example within 10 s (connect timeout)"
    );
    // A request timeout keeps its limit's action, whatever the phase.
    let answer = Error::Timeout {
        operation: Operation::ListTokens,
        after: Duration::from_secs(30),
        limit: Limit::Request,
        phase: Some(Phase::TlsHandshake),
        host: None,
    };
    assert_eq!(answer.action(), Limit::Request.action());
}
