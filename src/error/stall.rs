//! What the connector saw of one connection attempt before the connect timeout ended
//! it ([`ConnectStall`]): the host names it resolved and the TLS handshakes it began.
//! From that and the URL, [`ConnectStall::phase`] names the step that stalled (DNS, TCP,
//! the proxy's tunnel, the TLS handshake). `crate::transport::connect_watch` records it.

use std::fmt;

use crate::error::cause::Phase;

/// At most this many names of each kind are kept: one attempt resolves at most the proxy
/// and the target, and begins at most their two handshakes.
const MAX_NAMES: usize = 4;

/// Whether an https request of this client goes through a proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProxyUse {
    /// Never (no proxy, or turned off).
    Never,
    /// Always: a proxy and no `NO_PROXY` list.
    Always,
    /// Unless `NO_PROXY` names the host (the client cannot read reqwest's matching).
    UnlessExcluded,
}

/// The connect timeout struck; what the attempt had done by then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConnectStall {
    pub proxy: ProxyUse,
    /// Names whose resolution began, and those whose resolution ended.
    pub resolving: Vec<String>,
    pub resolved: Vec<String>,
    /// Names a TLS handshake began with (its first message was built).
    pub handshakes: Vec<String>,
}

/// `[::1]` → `::1`, lowercase: the form both a URL's host and a TLS server name take here.
fn plain(host: &str) -> String {
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase()
}

/// Adds `name` to `names` (once, at most [`MAX_NAMES`]).
pub(crate) fn note(names: &mut Vec<String>, name: &str) {
    let name = plain(name);
    if names.len() < MAX_NAMES && !names.contains(&name) {
        names.push(name);
    }
}

impl ConnectStall {
    pub(crate) fn new(proxy: ProxyUse) -> Self {
        Self {
            proxy,
            resolving: Vec::new(),
            resolved: Vec::new(),
            handshakes: Vec::new(),
        }
    }

    /// The step that stalled, for a request to `host` (`https` or not). Plain http never
    /// goes through the proxy (`crate::transport::http_client`).
    pub(crate) fn phase(&self, host: Option<&str>, https: bool) -> Phase {
        let Some(host) = host.map(plain) else {
            return Phase::Connecting;
        };
        let is = |name: &String| *name == host;
        if self.handshakes.iter().any(is) {
            return Phase::TlsHandshake;
        }
        let dns_pending = |name: &String| !self.resolved.contains(name);
        let direct = |this: &Self| {
            if this.resolving.iter().any(|n| is(n) && dns_pending(n)) {
                Phase::Dns
            } else {
                Phase::Connect
            }
        };
        if !https || self.proxy == ProxyUse::Never || self.resolving.iter().any(is) {
            // Direct: the target's own name was resolved here, or no proxy applies.
            return direct(self);
        }
        // Through the proxy, if one applies: its name resolved or its handshake began.
        let saw_proxy = !self.resolving.is_empty() || !self.handshakes.is_empty();
        if self.proxy == ProxyUse::UnlessExcluded && !saw_proxy {
            // Nothing seen (IP addresses both): the proxy or a direct TCP connection.
            return Phase::Connecting;
        }
        if self.resolving.iter().any(dns_pending) {
            Phase::Dns
        } else {
            Phase::ProxyTunnel
        }
    }
}

impl fmt::Display for ConnectStall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the connect timeout was reached")
    }
}

impl std::error::Error for ConnectStall {}

#[cfg(test)]
mod tests {
    use super::*;

    fn stall(proxy: ProxyUse, resolving: &[&str], resolved: &[&str], tls: &[&str]) -> ConnectStall {
        let mut stall = ConnectStall::new(proxy);
        for name in resolving {
            note(&mut stall.resolving, name);
        }
        for name in resolved {
            note(&mut stall.resolved, name);
        }
        for name in tls {
            note(&mut stall.handshakes, name);
        }
        stall
    }

    #[test]
    fn direct_attempts_are_dns_tcp_or_tls() {
        use ProxyUse::Never;
        let host = Some("Auth.Example");
        assert_eq!(
            stall(Never, &["auth.example"], &[], &[]).phase(host, true),
            Phase::Dns
        );
        let resolved = stall(Never, &["auth.example"], &["auth.example"], &[]);
        assert_eq!(resolved.phase(host, true), Phase::Connect);
        let tls = stall(
            Never,
            &["auth.example"],
            &["auth.example"],
            &["auth.example"],
        );
        assert_eq!(tls.phase(host, true), Phase::TlsHandshake);
        // An IP address is not resolved: nothing seen is TCP.
        assert_eq!(
            stall(Never, &[], &[], &[]).phase(Some("127.0.0.1"), true),
            Phase::Connect
        );
        assert_eq!(
            stall(Never, &[], &[], &["::1"]).phase(Some("[::1]"), true),
            Phase::TlsHandshake
        );
        assert_eq!(
            stall(Never, &[], &[], &[]).phase(None, true),
            Phase::Connecting
        );
    }

    #[test]
    fn proxied_attempts_name_the_tunnel() {
        use ProxyUse::{Always, UnlessExcluded};
        let host = Some("auth.example");
        assert_eq!(
            stall(Always, &[], &[], &[]).phase(host, true),
            Phase::ProxyTunnel
        );
        assert_eq!(
            stall(Always, &["proxy.lan"], &[], &[]).phase(host, true),
            Phase::Dns
        );
        let resolved = stall(UnlessExcluded, &["proxy.lan"], &["proxy.lan"], &[]);
        assert_eq!(resolved.phase(host, true), Phase::ProxyTunnel);
        // An https proxy's own handshake is the tunnel, not the target's.
        let own = stall(Always, &[], &[], &["proxy.lan"]);
        assert_eq!(own.phase(host, true), Phase::ProxyTunnel);
        let target = stall(Always, &[], &[], &["proxy.lan", "auth.example"]);
        assert_eq!(target.phase(host, true), Phase::TlsHandshake);
        // NO_PROXY matched: the target's own name was resolved.
        let bypassed = stall(UnlessExcluded, &["auth.example"], &["auth.example"], &[]);
        assert_eq!(bypassed.phase(host, true), Phase::Connect);
        assert_eq!(
            stall(UnlessExcluded, &[], &[], &[]).phase(host, true),
            Phase::Connecting
        );
        // Plain http never goes through the proxy.
        assert_eq!(
            stall(Always, &[], &[], &[]).phase(host, false),
            Phase::Connect
        );
    }

    #[test]
    fn names_are_kept_once_and_bounded() {
        let mut names = Vec::new();
        for i in 0..10 {
            note(&mut names, &format!("h{i}.example"));
            note(&mut names, "H0.EXAMPLE");
        }
        assert_eq!(
            names,
            ["h0.example", "h1.example", "h2.example", "h3.example"]
        );
    }
}
