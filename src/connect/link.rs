//! The sign-in link: [`SignInBuilder`] checks what goes in it (redirect URI, scopes,
//! mode, provider) and returns a [`SignInLink`], the URL and its [`PendingSignIn`].

use std::fmt;

use url::Url;

use super::pending::PendingSignIn;
use super::state;
use crate::error::Error;
use crate::generated::model::open_enums::{Mode, Provider, Scope};

/// The live sign-in page. **A documented guess**: no Flow Payroll document names the
/// host (the upstream's is `connect.affixapi.com`); override it with
/// [`Connect::with_sign_in_url`](super::Connect::with_sign_in_url).
pub const LIVE_SIGN_IN_URL: &str = "https://connect.flowpayroll.ai/";
/// The sandbox's sign-in page; a guess like [`LIVE_SIGN_IN_URL`].
pub const SANDBOX_SIGN_IN_URL: &str = "https://connect.sandbox.flowpayroll.ai/";
/// Where a custom environment (such as the embedded sandbox) serves its sign-in page:
/// this path under the API base URL.
pub const SIGN_IN_PATH: &str = "/connect";

/// The sign-in page of the environment whose API base URL is `api_url` (no trailing `/`).
pub(crate) fn default_sign_in_url(api_url: &str) -> Result<Url, Error> {
    let url = match api_url {
        crate::config::Environment::LIVE_API_URL => LIVE_SIGN_IN_URL.to_owned(),
        crate::config::Environment::SANDBOX_API_URL => SANDBOX_SIGN_IN_URL.to_owned(),
        custom => format!("{custom}{SIGN_IN_PATH}"),
    };
    Url::parse(&url).map_err(|e| Error::Config(format!("the sign-in page URL `{url}`: {e}")))
}

/// What a sign-in link asks for; [`SignInBuilder::start`] makes the link.
#[derive(Debug, Clone)]
#[must_use = "a sign-in builder does nothing until `start` is called"]
pub struct SignInBuilder {
    pub(super) connect: super::Connect,
    pub(super) redirect_uri: String,
    pub(super) scopes: Vec<Scope>,
    pub(super) mode: Option<Mode>,
    pub(super) provider: Option<Provider>,
    pub(super) simulated: bool,
}

impl SignInBuilder {
    /// The scopes asked for (at least one), such as
    /// `Scope::from("/2023-03-01/official/employees")`. Each call adds to the list.
    pub fn scopes<S: Into<Scope>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.scopes.extend(scopes.into_iter().map(Into::into));
        self
    }

    /// The kind of integration (`mode`). Default: the mode every scope names
    /// (`/2023-03-01/<mode>/...`). On the link, [`Mode::Xhr`] is written `developer`,
    /// the sign-in page's word for it.
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = Some(mode);
        self
    }

    /// Skips the page's provider picker: the end user signs in to this provider.
    pub fn provider(mut self, provider: Provider) -> Self {
        self.provider = Some(provider);
        self
    }

    /// Asks for a simulated sign-in with fake data (`sandbox=true`).
    pub fn simulated(mut self, simulated: bool) -> Self {
        self.simulated = simulated;
        self
    }

    /// Checks the request and makes the link with a fresh `state`. The pending sign-in
    /// is remembered by the [`Connect`](super::Connect) handle (for
    /// [`Connect::complete`](super::Connect::complete)) and returned too, for an
    /// application that keeps it in its own session store.
    ///
    /// [`Error::InvalidRequest`] if the redirect URI is not an absolute `https` URL
    /// (`http` only on a loopback host) without fragment or user info, if no scope is
    /// given, or if the scopes name another mode than the one given or several modes.
    pub fn start(self) -> Result<SignInLink, Error> {
        let invalid = |message: String| Error::InvalidRequest {
            operation: None,
            message,
        };
        check_redirect_uri(&self.redirect_uri).map_err(invalid)?;
        if self.scopes.is_empty() {
            return Err(invalid("a sign-in asks for at least one scope".to_owned()));
        }
        let named = scope_modes(&self.scopes);
        let mode = match (self.mode, named.as_slice()) {
            (Some(mode), []) => mode,
            (Some(mode), [one]) if *one == mode => mode,
            (None, [one]) => one.clone(),
            (None, []) => {
                return Err(invalid(
                    "the scopes name no mode: give one with `mode`".to_owned(),
                ))
            }
            (_, _) => {
                return Err(invalid(
                    "the scopes name another mode than the sign-in's, or several".to_owned(),
                ))
            }
        };
        let state = state::fresh()?;
        let (client_id, ..) = self.connect.client.sign_in_parts();
        let mut url = self.connect.sign_in_url()?.clone();
        {
            let mut query = url.query_pairs_mut();
            query.append_pair("client_id", client_id);
            query.append_pair("mode", link_mode(&mode));
            query.append_pair("redirect_uri", &self.redirect_uri);
            let scope: Vec<&str> = self.scopes.iter().map(Scope::as_str).collect();
            query.append_pair("scope", &scope.join(" "));
            if let Some(provider) = &self.provider {
                query.append_pair("provider", provider.as_str());
            }
            if self.simulated {
                query.append_pair("sandbox", "true");
            }
            query.append_pair("state", state.expose_secret());
        }
        let pending = PendingSignIn {
            state,
            redirect_uri: self.redirect_uri,
            scopes: self.scopes,
            mode,
            provider: self.provider,
            started_at: self.connect.unix_now(),
        };
        self.connect.remember(pending.clone());
        Ok(SignInLink { url, pending })
    }
}

/// A sign-in link and the sign-in it starts.
#[non_exhaustive]
pub struct SignInLink {
    /// Send the end user's browser here (a redirect, a link, a new window). It carries
    /// the `state`: do not log it.
    pub url: Url,
    /// What the callback is checked against.
    pub pending: PendingSignIn,
}

impl fmt::Debug for SignInLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut shown = self.url.clone();
        let pairs: Vec<(String, String)> = self
            .url
            .query_pairs()
            .map(|(k, v)| {
                let v = if k == "state" { "[redacted]".into() } else { v };
                (k.into_owned(), v.into_owned())
            })
            .collect();
        shown.query_pairs_mut().clear().extend_pairs(pairs);
        f.debug_struct("SignInLink")
            .field("url", &shown.as_str())
            .field("pending", &self.pending)
            .finish()
    }
}

/// The `mode` as the sign-in page spells it: `official`, or `developer` for `xhr`.
pub(crate) fn link_mode(mode: &Mode) -> &str {
    match mode {
        Mode::Xhr => "developer",
        other => other.as_str(),
    }
}

/// The distinct modes the scopes name, in order.
fn scope_modes(scopes: &[Scope]) -> Vec<Mode> {
    let mut modes: Vec<Mode> = Vec::new();
    for scope in scopes {
        let mut parts = scope.as_str().split('/');
        if let (Some(""), Some(_version), Some(mode)) = (parts.next(), parts.next(), parts.next()) {
            let mode = Mode::from(mode);
            if mode.is_known() && !modes.contains(&mode) {
                modes.push(mode);
            }
        }
    }
    modes
}

/// Why `uri` cannot be a redirect URI (RFC 6749 §3.1.2, RFC 8252 §7.3), if it cannot.
fn check_redirect_uri(uri: &str) -> Result<(), String> {
    let url = Url::parse(uri).map_err(|e| format!("the redirect URI is not a URL: {e}"))?;
    let loopback = matches!(
        url.host(),
        Some(url::Host::Ipv4(ip)) if ip.is_loopback()
    ) || matches!(url.host(), Some(url::Host::Ipv6(ip)) if ip.is_loopback())
        || url.host_str() == Some("localhost");
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        _ => {
            return Err(
                "the redirect URI must be https (http only on 127.0.0.1, [::1] or localhost)"
                    .to_owned(),
            )
        }
    }
    if url.fragment().is_some() {
        return Err("the redirect URI cannot have a fragment (RFC 6749 §3.1.2)".to_owned());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("the redirect URI cannot carry user info".to_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris_are_https_or_loopback_http() {
        for good in [
            "https://app.example.com/cb",
            "https://app.example.com/cb?tenant=1",
            "http://127.0.0.1:8080/cb",
            "http://[::1]/cb",
            "http://localhost:1/",
        ] {
            assert_eq!(check_redirect_uri(good), Ok(()), "{good}");
        }
        for bad in [
            "http://app.example.com/cb",
            "ftp://app.example.com/cb",
            "https://app.example.com/cb#frag",
            "https://user:pw@app.example.com/cb",
            "/cb",
            "",
            "javascript:alert(1)",
        ] {
            assert!(check_redirect_uri(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_scopes_name_their_modes() {
        let scopes: Vec<Scope> = [
            "/2023-03-01/xhr/employees",
            "identity",
            "/2023-03-01/xhr/payruns",
        ]
        .map(Scope::from)
        .to_vec();
        assert_eq!(scope_modes(&scopes), [Mode::Xhr]);
        assert_eq!(link_mode(&Mode::Xhr), "developer");
        assert_eq!(link_mode(&Mode::Official), "official");
    }

    #[test]
    fn the_page_is_per_environment() {
        let url = |api: &str| default_sign_in_url(api).unwrap().to_string();
        assert_eq!(
            url(crate::config::Environment::LIVE_API_URL),
            LIVE_SIGN_IN_URL
        );
        assert_eq!(
            url(crate::config::Environment::SANDBOX_API_URL),
            SANDBOX_SIGN_IN_URL
        );
        assert_eq!(url("http://127.0.0.1:9"), "http://127.0.0.1:9/connect");
    }
}
