//! The sandbox's one API client: its settings (what `get_client` returns and
//! `update_client` replaces, secrets included), the authorization codes it issued with
//! the redirect URI each was issued for, and the codes already exchanged (each works
//! once).

use std::collections::{HashMap, HashSet, VecDeque};

use base64::Engine as _;

use sha2::{Digest, Sha256};

use super::config::SandboxConfig;
use crate::generated::model::types::{ClientSettings, ClientUpdate};
use crate::generated::model::Operation;
use crate::generated::model::RESPONSE_EXAMPLES;
use crate::secret::SecretString;

/// How many exchanged codes are remembered (their SHA-256, not the codes), and how many
/// issued codes not yet exchanged.
const REMEMBERED_CODES: usize = 10_000;
/// The most client secrets an update may set.
const MAX_SECRETS: usize = 16;

/// The client's settings and used codes. Not `Debug`: it holds secrets.
pub(super) struct Account {
    client_id: String,
    name: String,
    secrets: Vec<SecretString>,
    redirect_uris: Vec<String>,
    webhook_uri: Option<String>,
    used_codes: HashSet<[u8; 32]>,
    code_order: VecDeque<[u8; 32]>,
    /// Codes issued by [`Account::authorize`] and not yet exchanged: the redirect URI
    /// each was issued for.
    issued_codes: HashMap<[u8; 32], String>,
    issued_order: VecDeque<[u8; 32]>,
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
        let (name, redirect_uris) = match documented {
            Some(example) => (example.name, example.redirect_uris),
            None => ("Sandbox app".to_owned(), Vec::new()),
        };
        Self {
            client_id: config.client_id.clone(),
            name,
            secrets: vec![config.client_secret.clone()],
            redirect_uris,
            webhook_uri: config.webhook_uri.clone(),
            used_codes: HashSet::new(),
            code_order: VecDeque::new(),
            issued_codes: HashMap::new(),
            issued_order: VecDeque::new(),
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

    /// What the authorization step would send to `redirect_uri` after the user
    /// connected: a new code, bound to that URI, which must be one of the client's.
    pub(super) fn authorize(&mut self, redirect_uri: &str) -> Result<String, &'static str> {
        if !self.redirect_uris.iter().any(|uri| uri == redirect_uri) {
            return Err(UNREGISTERED);
        }
        // The shape of the documented example: Base64 of `client#ID|code#RANDOM`.
        let random: String = (0..4)
            .map(|_| format!("{:08x}", fastrand::u32(..)))
            .collect::<Vec<_>>()
            .join("-");
        let code = base64::engine::general_purpose::STANDARD
            .encode(format!("client#{}|code#{random}", self.client_id));
        let digest = digest(&code);
        if self
            .issued_codes
            .insert(digest, redirect_uri.to_owned())
            .is_none()
        {
            self.issued_order.push_back(digest);
        }
        if self.issued_order.len() > REMEMBERED_CODES {
            if let Some(oldest) = self.issued_order.pop_front() {
                self.issued_codes.remove(&oldest);
            }
        }
        Ok(code)
    }

    /// Whether `redirect_uri` may go with `code` in an exchange: it must be one of the
    /// client's redirect URIs and, for a code this sandbox issued, identical to the one
    /// the code was issued for (RFC 6749 §4.1.3; compared as strings, RFC 3986 §6.2.1).
    /// Codes from elsewhere are taken on trust, as before the sandbox could issue any.
    pub(super) fn check_redirect(
        &self,
        code: &str,
        redirect_uri: &str,
    ) -> Result<(), &'static str> {
        if !self.redirect_uris.iter().any(|uri| uri == redirect_uri) {
            return Err(UNREGISTERED);
        }
        match self.issued_codes.get(&digest(code)) {
            Some(issued_for) if issued_for != redirect_uri => {
                Err("redirect_uri is not the one the code was issued for")
            }
            _ => Ok(()),
        }
    }

    /// Marks `code` as exchanged; false if it was exchanged before.
    pub(super) fn use_code(&mut self, code: &str) -> bool {
        let digest = digest(code);
        if !self.used_codes.insert(digest) {
            return false;
        }
        if self.issued_codes.remove(&digest).is_some() {
            self.issued_order.retain(|issued| *issued != digest);
        }
        self.code_order.push_back(digest);
        if self.code_order.len() > REMEMBERED_CODES {
            if let Some(oldest) = self.code_order.pop_front() {
                self.used_codes.remove(&oldest);
            }
        }
        true
    }
}

/// Why a redirect URI that is not the client's is refused.
const UNREGISTERED: &str = "redirect_uri is not one of the client's redirect URIs";

/// What is kept of a code: its SHA-256.
fn digest(code: &str) -> [u8; 32] {
    Sha256::digest(code.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_work_once_and_memory_is_bounded() {
        let mut account = Account::new(&SandboxConfig::default());
        assert!(account.use_code("abc"));
        assert!(!account.use_code("abc"));
        for i in 0..REMEMBERED_CODES + 5 {
            account.use_code(&format!("code-{i}"));
        }
        assert_eq!(account.used_codes.len(), REMEMBERED_CODES);
        assert_eq!(account.code_order.len(), REMEMBERED_CODES);
    }

    #[test]
    fn issued_codes_are_bound_to_their_redirect_uri_and_bounded() {
        let mut account = Account::new(&SandboxConfig::default());
        let [first, second] = [0, 1].map(|i| account.redirect_uris[i].clone());
        assert_eq!(
            account.authorize("https://elsewhere.example"),
            Err(UNREGISTERED)
        );
        let code = account.authorize(&first).unwrap();
        assert!(account.check_redirect(&code, &first).is_ok());
        assert!(account.check_redirect(&code, &second).is_err());
        assert_eq!(
            account.check_redirect(&code, "https://x.example"),
            Err(UNREGISTERED)
        );
        // A code from elsewhere: any of the client's redirect URIs.
        assert!(account.check_redirect("from-elsewhere", &second).is_ok());
        assert!(account.use_code(&code));
        assert!(account.issued_codes.is_empty() && account.issued_order.is_empty());
        for _ in 0..REMEMBERED_CODES + 5 {
            account.authorize(&first).unwrap();
        }
        assert_eq!(account.issued_codes.len(), REMEMBERED_CODES);
        assert_eq!(account.issued_order.len(), REMEMBERED_CODES);
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
