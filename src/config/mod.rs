//! Where the client connects and how it authenticates: [`Environment`],
//! [`TokenAuthMethod`], the rule that credentials never travel over plain HTTP to a
//! remote host, and reading all of it from `FLOWPAYROLL_*` environment variables.

pub(crate) mod into_url;
pub(crate) mod policy;

use std::net::IpAddr;

use url::Url;

use crate::error::Error;
use crate::generated::model::open_enums::Scope;

/// Which Flow Payroll deployment to talk to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Environment {
    /// The sandbox (the default).
    #[default]
    Sandbox,
    /// The live environment.
    Live,
    /// Any other deployment: a local test server, a proxy...
    Custom {
        /// The full URL of the token endpoint.
        token_url: Url,
        /// The base URL the API paths are appended to.
        api_url: Url,
    },
}

impl Environment {
    /// The token endpoint of the sandbox (authentication guide).
    pub const SANDBOX_TOKEN_URL: &'static str = "https://auth.sandbox.flowpayroll.ai/oauth2/token";
    /// The token endpoint of the live environment (authentication guide).
    pub const LIVE_TOKEN_URL: &'static str = "https://auth.flowpayroll.ai/oauth2/token";
    /// The API base URL assumed for the sandbox. No document states it; override it with
    /// [`crate::FlowPayrollBuilder::api_url`] or `FLOWPAYROLL_API_URL`.
    pub const SANDBOX_API_URL: &'static str = "https://api.sandbox.flowpayroll.ai";
    /// The API base URL assumed for the live environment (see [`Self::SANDBOX_API_URL`]).
    pub const LIVE_API_URL: &'static str = "https://api.flowpayroll.ai";

    /// The token endpoint of this environment.
    ///
    /// ```
    /// use flowpayroll::Environment;
    ///
    /// assert_eq!(Environment::Live.token_url().as_str(), Environment::LIVE_TOKEN_URL);
    /// ```
    pub fn token_url(&self) -> Url {
        match self {
            Environment::Sandbox => Url::parse(Self::SANDBOX_TOKEN_URL).expect("constant URL"),
            Environment::Live => Url::parse(Self::LIVE_TOKEN_URL).expect("constant URL"),
            Environment::Custom { token_url, .. } => token_url.clone(),
        }
    }

    /// The API base URL of this environment.
    pub fn api_url(&self) -> Url {
        match self {
            Environment::Sandbox => Url::parse(Self::SANDBOX_API_URL).expect("constant URL"),
            Environment::Live => Url::parse(Self::LIVE_API_URL).expect("constant URL"),
            Environment::Custom { api_url, .. } => api_url.clone(),
        }
    }
}

/// How the client authenticates to the token endpoint (RFC 6749 §2.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum TokenAuthMethod {
    /// `client_id` and `client_secret` in the form body: what the authentication guide
    /// describes. The default.
    #[default]
    ClientSecretPost,
    /// HTTP Basic with `client_id:client_secret`.
    ClientSecretBasic,
}

/// Parses `value` as an absolute `http(s)` URL, naming `what` in the error (see
/// [`check_url`] for what is refused). The error never repeats a password.
pub(crate) fn parse_url(what: &str, value: &str) -> Result<Url, Error> {
    let url = parse_any_url(what, value)?;
    check_url(what, &url)?;
    Ok(url)
}

/// Parses `value` as a URL, any URL (a proxy's may hold a password, or use `http`),
/// naming `what` in the error, which never repeats a password.
pub(crate) fn parse_any_url(what: &str, value: &str) -> Result<Url, Error> {
    Url::parse(value).map_err(|e| match shown(value) {
        Some(value) => Error::Config(format!("{what} `{value}` is not a URL: {e}")),
        None => Error::Config(format!("{what} is not a URL: {e}")),
    })
}

/// `value` as it may be shown in an error: with any `user:password@` replaced, or
/// `None` when it cannot be told apart.
fn shown(value: &str) -> Option<String> {
    if !value.contains('@') {
        return Some(value.to_owned());
    }
    let (scheme, rest) = value.split_once("://")?;
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    let host = &authority[authority.rfind('@')? + 1..];
    (!path.contains('@')).then(|| format!("{scheme}://***@{host}{path}"))
}

/// Refuses URLs the client must not use:
///
/// * a user name or password (`https://user:pass@host`): it would become a second
///   `Authorization` header, and credentials belong in [`crate::FlowPayrollBuilder::credentials`];
/// * a query or a fragment: the API paths are appended to the base URL, so requests
///   would go to the wrong place;
/// * anything but `https`, except plain `http` to a loopback host (127.0.0.0/8, ::1,
///   `localhost`): credentials and tokens never travel in clear text to another host.
///
/// The errors never repeat the password, the query or the fragment.
pub(crate) fn check_url(what: &str, url: &Url) -> Result<(), Error> {
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::Config(format!(
            "{what} contains a user name or password (`user:pass@`); pass credentials with \
             `credentials(..)` or FLOWPAYROLL_CLIENT_ID/FLOWPAYROLL_CLIENT_SECRET, never in a URL"
        )));
    }
    let base = &url[..url::Position::AfterPath];
    if url.query().is_some() {
        return Err(Error::Config(format!(
            "{what} `{base}` has a query (`?...`); give the URL without one"
        )));
    }
    if url.fragment().is_some() {
        return Err(Error::Config(format!(
            "{what} `{base}` has a fragment (`#...`); give the URL without one"
        )));
    }
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(url) => Ok(()),
        "http" => Err(Error::Config(format!(
            "{what} `{url}` uses plain http to a host that is not loopback; credentials and \
             tokens are only sent over https (or http to 127.0.0.1, ::1 or localhost)"
        ))),
        other => Err(Error::Config(format!(
            "{what} `{url}` has scheme `{other}`; use https"
        ))),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// The `scope` parameter for `scopes`: `None` for an empty list (the client's own).
/// Each must be an RFC 6749 §3.3 scope-token, as the spec's `scope` says.
pub(crate) fn scope_param(scopes: &[Scope]) -> Result<Option<String>, Error> {
    for scope in scopes {
        let token = scope.as_str();
        let allowed = |c: char| matches!(c, '\x21' | '\x23'..='\x5b' | '\x5d'..='\x7e');
        if token.is_empty() || !token.chars().all(allowed) {
            return Err(Error::Config(format!(
                "the scope `{}` is not one scope (RFC 6749 §3.3: printable ASCII without \
                 space, `\"` or `\\`); give each scope as its own item",
                token.chars().take(64).collect::<String>().escape_debug()
            )));
        }
    }
    let names: Vec<&str> = scopes.iter().map(Scope::as_str).collect();
    Ok((!names.is_empty()).then(|| names.join(" ")))
}

/// The settings `from_env` reads, before the builder applies them.
#[derive(Debug, Default)]
pub(crate) struct EnvSettings {
    pub client_id: String,
    pub client_secret: String,
    pub environment: Environment,
    pub token_url: Option<Url>,
    pub api_url: Option<Url>,
    pub token_auth: TokenAuthMethod,
    /// `FLOWPAYROLL_SCOPE`, space-separated as in the token request.
    pub scope: Option<Vec<Scope>>,
    pub user_id: Option<String>,
    /// `FLOWPAYROLL_REDIS_URL` (fleet mode); may hold a password.
    pub redis_url: Option<crate::secret::SecretString>,
    /// `FLOWPAYROLL_REDIS_CA`: the PEM file of the CA of a `rediss://` Redis.
    pub redis_ca: Option<std::path::PathBuf>,
    /// `FLOWPAYROLL_REDIS_CLUSTER`: comma-separated URLs of Redis Cluster nodes.
    pub redis_cluster: Option<Vec<crate::secret::SecretString>>,
}

/// Reads the `FLOWPAYROLL_*` variables through `get` (the process environment, or a map
/// in tests). A missing or malformed value is an error that names the variable.
pub(crate) fn read_env(get: impl Fn(&str) -> Option<String>) -> Result<EnvSettings, Error> {
    let required = |name: &str| {
        get(name)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| Error::Config(format!("{name} is not set")))
    };
    let optional = |name: &str| get(name).filter(|v| !v.is_empty());
    let environment = match optional("FLOWPAYROLL_ENVIRONMENT").as_deref() {
        None | Some("sandbox") => Environment::Sandbox,
        Some("live") => Environment::Live,
        Some(other) => {
            return Err(Error::Config(format!(
                "FLOWPAYROLL_ENVIRONMENT is `{other}`; expected `sandbox` or `live`"
            )))
        }
    };
    let token_auth = match optional("FLOWPAYROLL_TOKEN_AUTH").as_deref() {
        None | Some("post") => TokenAuthMethod::ClientSecretPost,
        Some("basic") => TokenAuthMethod::ClientSecretBasic,
        Some(other) => {
            return Err(Error::Config(format!(
                "FLOWPAYROLL_TOKEN_AUTH is `{other}`; expected `post` or `basic`"
            )))
        }
    };
    let url = |name: &str| optional(name).map(|v| parse_url(name, &v)).transpose();
    let scope: Option<Vec<Scope>> = optional("FLOWPAYROLL_SCOPE")
        .map(|scopes| scopes.split_whitespace().map(Scope::from).collect());
    if let Some(scopes) = &scope {
        scope_param(scopes).map_err(|error| match error {
            Error::Config(message) => Error::Config(format!("FLOWPAYROLL_SCOPE: {message}")),
            other => other,
        })?;
    }
    Ok(EnvSettings {
        client_id: required("FLOWPAYROLL_CLIENT_ID")?,
        client_secret: required("FLOWPAYROLL_CLIENT_SECRET")?,
        environment,
        token_url: url("FLOWPAYROLL_TOKEN_URL")?,
        api_url: url("FLOWPAYROLL_API_URL")?,
        token_auth,
        scope,
        user_id: optional("FLOWPAYROLL_USER_ID"),
        redis_url: optional("FLOWPAYROLL_REDIS_URL").map(crate::secret::SecretString::new),
        redis_ca: optional("FLOWPAYROLL_REDIS_CA").map(std::path::PathBuf::from),
        redis_cluster: optional("FLOWPAYROLL_REDIS_CLUSTER").map(|nodes| {
            nodes
                .split(',')
                .map(str::trim)
                .filter(|node| !node.is_empty())
                .map(crate::secret::SecretString::new)
                .collect()
        }),
    })
}

#[cfg(test)]
mod tests;
