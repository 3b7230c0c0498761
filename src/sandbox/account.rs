//! The sandbox's one API client: its settings (what `get_client` returns and
//! `update_client` replaces, secrets included) and the authorization codes already
//! exchanged (each works once).

use std::collections::{HashSet, VecDeque};

use sha2::{Digest, Sha256};

use super::SandboxConfig;
use crate::generated::RESPONSE_EXAMPLES;
use crate::operation::Operation;
use crate::types::{ClientSettings, ClientUpdate};
use crate::SecretString;

/// How many exchanged codes are remembered (their SHA-256, not the codes).
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
}

impl Account {
    /// The settings at the start: the configured id and secret, and the name, redirect
    /// URIs and webhook of the spec's `get_client` example.
    pub(super) fn new(config: &SandboxConfig) -> Self {
        let documented: Option<ClientSettings> = RESPONSE_EXAMPLES
            .iter()
            .find(|(op, status, ..)| *op == Operation::GetClient && *status == "200")
            .and_then(|(.., json)| serde_json::from_str(json).ok());
        let (name, redirect_uris, webhook_uri) = match documented {
            Some(example) => (example.name, example.redirect_uris, example.webhook_uri),
            None => ("Sandbox app".to_owned(), Vec::new(), None),
        };
        Self {
            client_id: config.client_id.clone(),
            name,
            secrets: vec![config.client_secret.clone()],
            redirect_uris,
            webhook_uri,
            used_codes: HashSet::new(),
            code_order: VecDeque::new(),
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
        self.webhook_uri = update.webhook_uri;
        Ok(())
    }

    /// Marks `code` as exchanged; false if it was exchanged before.
    pub(super) fn use_code(&mut self, code: &str) -> bool {
        let digest: [u8; 32] = Sha256::digest(code.as_bytes()).into();
        if !self.used_codes.insert(digest) {
            return false;
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
