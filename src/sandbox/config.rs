//! [`SandboxConfig`]: how a sandbox is set up, with its defaults and `with_*` setters.

use std::sync::Arc;
use std::time::Duration;

use crate::clock::{Clock, SystemClock};
use crate::generated::model::open_enums::{Mode, Provider, Scope};
use crate::generated::model::Operation;
use crate::secret::SecretString;
use crate::setters::field_setters;

/// How a sandbox is set up: `SandboxConfig::default()` and the `with_*` setters (the
/// struct is `#[non_exhaustive]`, so a setting added later is not a breaking change).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SandboxConfig {
    /// The client id it accepts. Default `sandbox-client`.
    pub client_id: String,
    /// The client secret it accepts at the start (`update_client` can change the list).
    /// Default: random.
    pub client_secret: SecretString,
    /// How long issued tokens live. Default one hour.
    pub token_lifetime: Duration,
    /// The scopes the client may ask for; a token request without `scope` gets all of
    /// them. Default: every scope the spec lists.
    pub scopes: Vec<Scope>,
    /// The mode of a token whose scopes do not all name one mode. Default `official`.
    pub mode: Mode,
    /// The provider of the sandbox's connection. Default `sandbox`.
    pub provider: Provider,
    /// How long an expired or disconnected token is still listed (as not valid) before it
    /// is forgotten. Default five minutes.
    pub eviction_grace: Duration,
    /// The most tokens kept at once; past it, the token closest to eviction is forgotten
    /// first. Default 10,000.
    pub max_tokens: usize,
    /// The port on 127.0.0.1; 0 (the default) picks a free one.
    pub port: u16,
    /// How long a webhook delivery waits for the receiver's answer. Default 10 seconds.
    pub webhook_timeout: Duration,
    /// Where the client's webhooks go at the start (its `webhook_uri`, as `get_client`
    /// answers it), such as a receiver your test started on 127.0.0.1. Default `None`:
    /// webhooks are off, and a sandbox sends nothing anywhere until it is given one
    /// (here, by `update_client` or [`Sandbox::set_webhook_uri`](super::Sandbox::set_webhook_uri)).
    pub webhook_uri: Option<String>,
    /// The quota of every endpoint but the token endpoint, per window (see
    /// `quotas`). Default `None`: no quota.
    pub quota: Option<crate::limiter::policy::Quota>,
    /// Quotas of single endpoints (an operation names its path), over `quota`.
    /// Default: none.
    pub quotas: Vec<(Operation, crate::limiter::policy::Quota)>,
    /// The clock deciding when tokens expire and how long slow answers wait. Default:
    /// Tokio's; with the `test-util` feature, [`SandboxConfig::with_clock`] sets it.
    pub(crate) clock: Arc<dyn Clock>,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        let secret: String = (0..32).map(|_| fastrand::alphanumeric()).collect();
        Self {
            client_id: "sandbox-client".to_owned(),
            client_secret: SecretString::new(secret),
            token_lifetime: Duration::from_secs(3600),
            scopes: Scope::KNOWN.iter().map(|s| Scope::from(*s)).collect(),
            mode: Mode::Official,
            provider: Provider::Sandbox,
            eviction_grace: Duration::from_secs(300),
            max_tokens: 10_000,
            port: 0,
            webhook_timeout: Duration::from_secs(10),
            webhook_uri: None,
            quota: None,
            quotas: Vec::new(),
            clock: Arc::new(SystemClock),
        }
    }
}

field_setters!(SandboxConfig {
    with_token_lifetime => token_lifetime: Duration,
    with_scopes => scopes: Vec<Scope>,
    with_mode => mode: Mode,
    with_provider => provider: Provider,
    with_eviction_grace => eviction_grace: Duration,
    with_max_tokens => max_tokens: usize,
    with_port => port: u16,
    with_webhook_timeout => webhook_timeout: Duration,
    with_quotas => quotas: Vec<(Operation, crate::limiter::policy::Quota)>,
});

impl SandboxConfig {
    /// Sets [`SandboxConfig::client_id`].
    #[must_use]
    pub fn with_client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = client_id.into();
        self
    }

    /// Sets [`SandboxConfig::webhook_uri`]: deliveries go to `uri` from the start.
    #[must_use]
    pub fn with_webhook_uri(mut self, uri: impl Into<String>) -> Self {
        self.webhook_uri = Some(uri.into());
        self
    }

    /// Sets [`SandboxConfig::quota`].
    #[must_use]
    pub fn with_quota(mut self, quota: crate::limiter::policy::Quota) -> Self {
        self.quota = Some(quota);
        self
    }

    /// Sets [`SandboxConfig::client_secret`].
    #[must_use]
    pub fn with_client_secret(mut self, client_secret: impl Into<SecretString>) -> Self {
        self.client_secret = client_secret.into();
        self
    }

    /// Sets the clock deciding when tokens expire and how long slow answers wait
    /// (default: Tokio's), such as a [`crate::clock::ManualClock`] shared with the
    /// client under test.
    #[cfg(feature = "test-util")]
    #[cfg_attr(docsrs, doc(cfg(all(feature = "sandbox", feature = "test-util"))))]
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }
}
