//! The sandbox's one API client: its settings (what `get_client` returns and
//! `update_client` replaces, secrets included), which redirect URIs match them, and its
//! authorization codes ([`Codes`]).

use super::codes::Codes;
use super::config::SandboxConfig;
use crate::generated::model::types::{ClientSettings, ClientUpdate};
use crate::generated::model::Operation;
use crate::generated::model::RESPONSE_EXAMPLES;
use crate::secret::SecretString;

/// The redirect URI the sandbox's client has besides the documented example's: a
/// loopback one, which matches with any port (RFC 8252 §7.3),
/// for `flowpayroll connect` and web apps run on this machine.
pub const LOOPBACK_REDIRECT_URI: &str = "http://127.0.0.1/callback";
/// The most client secrets an update may set.
const MAX_SECRETS: usize = 16;

/// The client's settings and used codes. Not `Debug`: it holds secrets.
pub(super) struct Account {
    client_id: String,
    name: String,
    secrets: Vec<SecretString>,
    redirect_uris: Vec<String>,
    webhook_uri: Option<String>,
    /// The codes issued and exchanged.
    pub(super) codes: Codes,
}

impl Account {
    /// The settings at the start: the configured id, secret and webhook URI (none by
    /// default), and the name and redirect URIs of the spec's `get_client` example. Not
    /// the example's `webhook_uri`: that host is on the internet, and a sandbox sends
    /// nothing off the machine unless told to (the spec's decision).
    pub(super) fn new(config: &SandboxConfig) -> Self {
        let documented: Option<ClientSettings> = RESPONSE_EXAMPLES
            .iter()
            .find(|(op, status, ..)| *op == Operation::GetClient && *status == "200")
            .and_then(|(.., json)| serde_json::from_str(json).ok());
        let (name, mut redirect_uris) = match documented {
            Some(example) => (example.name, example.redirect_uris),
            None => ("Sandbox app".to_owned(), Vec::new()),
        };
        redirect_uris.push(LOOPBACK_REDIRECT_URI.to_owned());
        Self {
            client_id: config.client_id.clone(),
            name,
            secrets: vec![config.client_secret.clone()],
            redirect_uris,
            webhook_uri: config.webhook_uri.clone(),
            codes: Codes::default(),
        }
    }

    /// Whether `id` and `secret` are this client's id and one of its current secrets.
    pub(super) fn accepts(&self, id: &str, secret: &str) -> bool {
        id == self.client_id && self.secrets.iter().any(|s| s.expose_secret() == secret)
    }

    /// The settings as `get_client` returns them.
    pub(super) fn settings(&self) -> ClientSettings {
        ClientSettings {
            client_id: self.client_id.clone(),
            client_secret: self.secrets.clone(),
            name: self.name.clone(),
            redirect_uris: self.redirect_uris.clone(),
            webhook_uri: self.webhook_uri.clone(),
        }
    }

    /// Where webhooks go and the secret that signs them (the first listed, as the spec
    /// decides), or `None` while webhooks are off.
    pub(super) fn webhook(&self) -> Option<(String, SecretString)> {
        Some((self.webhook_uri.clone()?, self.secrets.first()?.clone()))
    }

    /// Points webhooks at `uri`, or turns them off (`None`), the rest unchanged.
    pub(super) fn set_webhook_uri(&mut self, uri: Option<String>) {
        self.webhook_uri = uri;
    }

    /// Replaces the settings, or says why the update is refused.
    pub(super) fn update(&mut self, update: ClientUpdate) -> Result<(), &'static str> {
        if update.client_secret.is_empty() {
            return Err("client_secret needs at least one secret, or no caller could authenticate");
        }
        if update.client_secret.len() > MAX_SECRETS {
            return Err("client_secret holds at most 16 secrets in the sandbox");
        }
        if update
            .client_secret
            .iter()
            .any(|s| s.expose_secret().is_empty())
        {
            return Err("a client secret cannot be empty");
        }
        self.name = update.name;
        self.secrets = update.client_secret;
        self.redirect_uris = update.redirect_uris;
        // Left out keeps the webhook, `null` turns it off (the spec's decision).
        if let Some(webhook_uri) = update.webhook_uri {
            self.webhook_uri = webhook_uri;
        }
        Ok(())
    }

    /// Whether `redirect_uri` is one of the client's, exactly (RFC 6749 §3.1.2.3); or,
    /// for a registered `http://127.0.0.1/...` or `http://[::1]/...` URI without a
    /// port, the same URI with any port (RFC 8252 §7.3: a native app listens on a port
    /// it gets when it starts).
    pub(super) fn redirect_registered(&self, redirect_uri: &str) -> bool {
        if self.redirect_uris.iter().any(|uri| uri == redirect_uri) {
            return true;
        }
        let Ok(mut url) = url::Url::parse(redirect_uri) else {
            return false;
        };
        let loopback = matches!(url.host(), Some(url::Host::Ipv4(ip)) if ip.is_loopback())
            || matches!(url.host(), Some(url::Host::Ipv6(ip)) if ip.is_loopback());
        if url.scheme() != "http" || !loopback || url.port().is_none() {
            return false;
        }
        // Only a URI already in normal form, so that "the same but for the port" is a
        // string comparison too.
        if url.as_str() != redirect_uri {
            return false;
        }
        let _ = url.set_port(None);
        self.redirect_uris.iter().any(|uri| uri == url.as_str())
    }
}

/// Why a redirect URI that is not the client's is refused.
pub(super) const UNREGISTERED: &str = "redirect_uri is not one of the client's redirect URIs";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris_match_exactly_or_on_loopback_with_any_port() {
        let account = Account::new(&SandboxConfig::default());
        let registered = account.redirect_uris[0].clone();
        assert!(account.redirect_registered(&registered));
        assert!(account.redirect_registered("http://127.0.0.1:8123/callback"));
        assert!(account.redirect_registered(LOOPBACK_REDIRECT_URI));
        for almost in [
            format!("{registered}/"),
            registered.replacen("https", "http", 1),
            format!("{registered}.evil.example"),
            format!("{registered}@evil.example"),
            format!("{registered}?next=https://evil.example"),
            "http://127.0.0.1:8123/callback/".to_owned(),
            "https://127.0.0.1:8123/callback".to_owned(),
            "http://localhost:8123/callback".to_owned(),
            "http://127.0.0.1:08123/callback".to_owned(),
            "http://127.0.0.1:8123/Callback".to_owned(),
            "http://127.0.0.1:8123/callback?x=1".to_owned(),
            "http://127.0.0.2:8123/callback".to_owned(),
            String::new(),
        ] {
            assert!(!account.redirect_registered(&almost), "{almost}");
        }
    }

    #[test]
    fn secrets_rotate() {
        let config = SandboxConfig::default();
        let old = config.client_secret.expose_secret().to_owned();
        let mut account = Account::new(&config);
        assert!(account.accepts(&config.client_id, &old));
        let mut update = ClientUpdate {
            client_secret: vec![SecretString::new(old.clone()), SecretString::new("new")],
            name: "n".into(),
            redirect_uris: vec![],
            webhook_uri: None,
        };
        account.update(update.clone()).unwrap();
        assert!(account.accepts(&config.client_id, &old));
        assert!(account.accepts(&config.client_id, "new"));
        update.client_secret.remove(0);
        account.update(update.clone()).unwrap();
        assert!(!account.accepts(&config.client_id, &old));
        update.client_secret.clear();
        assert!(account.update(update).is_err());
        assert!(account.accepts(&config.client_id, "new"));
    }
}
