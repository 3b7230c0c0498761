//! The one HTTP client every request goes through (token requests, typed calls and
//! [`crate::FlowPayroll::raw`]): rustls (its provider and extra roots come from the
//! `tls` module), timeouts (the connect timeout from `connect_watch`), redirects never followed, the
//! crate's User-Agent, and the proxy rule.
//!
//! # Proxies
//!
//! * Plain `http` targets (only loopback hosts are accepted, see
//!   [`crate::config`]) never go through a proxy: `HTTP_PROXY` and `ALL_PROXY` would
//!   otherwise carry the client secret and `X-Auth-Token` in clear text to the proxy.
//! * `https` targets use the system proxy as users expect, through a `CONNECT` tunnel
//!   (the proxy sees the host name, never the request): `HTTPS_PROXY` (or
//!   `https_proxy`), else `ALL_PROXY` (or `all_proxy`), minus the hosts in `NO_PROXY`.
//!   [`crate::FlowPayrollBuilder::https_proxy`] sets one explicitly, or turns the system
//!   proxy off.

use std::sync::Arc;
use std::time::Duration;

use reqwest::{NoProxy, Proxy};

use crate::error::stall::ProxyUse;
use crate::error::{Error, Limit};
use crate::transport::connect_watch::{ConnectWatch, WatchedResolver};

/// The time limits of a request, kept beside it so that the one reached is named in the
/// error ([`crate::transport::failure::request_error`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timeouts {
    /// Connecting: TCP and the TLS handshake.
    pub connect: Duration,
    /// The whole request, from sending to the last byte of the body.
    pub request: Duration,
    /// Which limit `request` is, as named in a timeout (the token request has its own).
    pub request_limit: Limit,
}

/// The settings of the shared client.
#[derive(Debug)]
pub(crate) struct HttpSettings {
    /// `request` is the default of every request; the token request sets its own.
    pub timeouts: Timeouts,
    /// `None`: the system proxy for https; `Some(None)`: no proxy; `Some(Some(url))`:
    /// that proxy for https.
    pub https_proxy: Option<Option<String>>,
    /// PEM bundles trusted on top of the platform's roots.
    pub root_certificates: Vec<Vec<u8>>,
}

/// Builds the shared client.
pub(crate) fn client(settings: &HttpSettings) -> Result<reqwest::Client, Error> {
    let proxy = match &settings.https_proxy {
        None => system_https_proxy(|name| std::env::var(name).ok())
            .map(|(variable, url)| (variable, url, NoProxy::from_env())),
        Some(Some(url)) => Some(("the https proxy", url.clone(), None)),
        Some(None) => None,
    };
    let proxy_use = match &proxy {
        None => ProxyUse::Never,
        Some((_, _, None)) => ProxyUse::Always,
        Some((_, _, Some(_))) => ProxyUse::UnlessExcluded,
    };
    let builder =
        crate::transport::tls::configure(reqwest::Client::builder(), &settings.root_certificates)?
            // The connect timeout, kept here rather than by reqwest so that it names the
            // step that stalled. 1 ms early: a request's own timer, armed before
            // connecting starts, would otherwise strike first when both are equal and
            // hide that the stall was in connecting.
            .connector_layer(ConnectWatch {
                limit: settings
                    .timeouts
                    .connect
                    .saturating_sub(Duration::from_millis(1))
                    .max(Duration::from_millis(1)),
                proxy: proxy_use,
            })
            // reqwest's own connect timeout stays, 1 ms past the limit so it never
            // strikes first: hyper shares it among a host's addresses, so a dead first
            // address leaves time for the next.
            .connect_timeout(
                settings
                    .timeouts
                    .connect
                    .saturating_add(Duration::from_millis(1)),
            )
            .dns_resolver(Arc::new(WatchedResolver))
            .timeout(settings.timeouts.request)
            // Never follow redirects: they could carry credentials or X-Auth-Token to
            // another host.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("flowpayroll-rust/", env!("CARGO_PKG_VERSION")));
    // Installing a proxy, or `no_proxy`, turns reqwest's own reading of the
    // environment off, so HTTP_PROXY and ALL_PROXY never apply to plain http.
    let builder = match proxy {
        Some((name, url, no_proxy)) => {
            let proxy = Proxy::https(&url).map_err(|_| {
                // The proxy URL may hold the proxy's password: not repeated.
                Error::Config(format!("{name} is not a valid proxy URL"))
            })?;
            builder.proxy(proxy.no_proxy(no_proxy))
        }
        None => builder.no_proxy(),
    };
    builder
        .build()
        .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))
}

/// The proxy for https targets from the environment, read through `get`: the variable
/// that set it and its value.
pub(crate) fn system_https_proxy(
    get: impl Fn(&str) -> Option<String>,
) -> Option<(&'static str, String)> {
    ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]
        .into_iter()
        .find_map(|name| {
            get(name)
                .filter(|v| !v.trim().is_empty())
                .map(|v| (name, v))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn https_uses_https_proxy_then_all_proxy_and_never_http_proxy() {
        let https = [
            ("HTTP_PROXY", "http://plain.example:1"),
            ("ALL_PROXY", "http://all.example:2"),
            ("HTTPS_PROXY", "http://tls.example:3"),
        ];
        assert_eq!(
            system_https_proxy(env(&https)),
            Some(("HTTPS_PROXY", "http://tls.example:3".to_owned()))
        );
        let all = [
            ("HTTP_PROXY", "http://plain.example:1"),
            ("all_proxy", "http://all.example:2"),
        ];
        assert_eq!(
            system_https_proxy(env(&all)),
            Some(("all_proxy", "http://all.example:2".to_owned()))
        );
        assert_eq!(
            system_https_proxy(env(&[("HTTP_PROXY", "http://p:1")])),
            None
        );
        assert_eq!(system_https_proxy(env(&[("HTTPS_PROXY", " ")])), None);
    }

    #[test]
    fn a_bad_proxy_url_is_an_error_that_does_not_repeat_it() {
        let settings = HttpSettings {
            timeouts: Timeouts {
                connect: Duration::from_secs(1),
                request: Duration::from_secs(1),
                request_limit: Limit::Request,
            },
            https_proxy: Some(Some("http://user:hunter2-pw@[bad".to_owned())),
            root_certificates: Vec::new(),
        };
        let error = client(&settings).unwrap_err().to_string();
        assert!(error.contains("not a valid proxy URL"), "{error}");
        assert!(!error.contains("hunter2-pw"), "{error}");
    }
}
