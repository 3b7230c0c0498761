//! The authorization codes the sandbox issued: each bound to the redirect URI it was
//! sent to and to what was granted, single use, and expiring [`CODE_LIFETIME`] after
//! it was issued. Only SHA-256 digests of codes are kept, and at most
//! [`REMEMBERED_CODES`] of each kind.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::generated::model::open_enums::{Mode, Provider, Scope};

/// How long a code can be exchanged after it was issued: ten minutes, the longest RFC
/// 6749 §4.1.2 recommends.
pub const CODE_LIFETIME: Duration = Duration::from_secs(600);

/// How many codes are remembered of each kind: issued and not yet exchanged, and
/// exchanged (so that a second exchange is a 409). Past it the oldest is forgotten: an
/// old exchanged code then counts as one the sandbox never issued (400).
pub(super) const REMEMBERED_CODES: usize = 10_000;

/// What a code grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Grant {
    pub(super) redirect_uri: String,
    pub(super) scopes: Arc<[Scope]>,
    pub(super) mode: Mode,
    pub(super) provider: Provider,
}

/// Why an exchange of a code is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CodeRefusal {
    /// Never issued here (or forgotten long ago): 400.
    Unknown,
    /// Issued, but more than [`CODE_LIFETIME`] ago: 400. The code is then forgotten.
    Expired,
    /// Issued for another redirect URI: 400, and the code is not spent.
    OtherRedirect,
    /// Exchanged before: 409.
    Reused,
}

impl CodeRefusal {
    /// The refusal in words, the `validation_error` of the 400.
    pub(super) fn describe(self) -> &'static str {
        match self {
            CodeRefusal::Unknown => "invalid_grant: the code was not issued by this server",
            CodeRefusal::Expired => "invalid_grant: the code expired; start a new sign-in",
            CodeRefusal::OtherRedirect => "redirect_uri is not the one the code was issued for",
            CodeRefusal::Reused => "the code was already exchanged",
        }
    }
}

/// Issued and exchanged codes. Not `Debug`: it is keyed by codes' digests.
#[derive(Default)]
pub(super) struct Codes {
    issued: HashMap<[u8; 32], (Grant, Instant)>,
    issued_order: VecDeque<[u8; 32]>,
    used: HashSet<[u8; 32]>,
    used_order: VecDeque<[u8; 32]>,
}

impl Codes {
    /// A new code for `grant`, issued at `now`. Its shape is the documented example's:
    /// Base64 of `client#ID|code#RANDOM`, the random part 128 bits.
    pub(super) fn issue(&mut self, client_id: &str, grant: Grant, now: Instant) -> String {
        let random: String = (0..4)
            .map(|_| format!("{:08x}", fastrand::u32(..)))
            .collect::<Vec<_>>()
            .join("-");
        let code = base64::engine::general_purpose::STANDARD
            .encode(format!("client#{client_id}|code#{random}"));
        let digest = digest(&code);
        if self.issued.insert(digest, (grant, now)).is_none() {
            self.issued_order.push_back(digest);
        }
        while self.issued_order.len() > REMEMBERED_CODES {
            if let Some(oldest) = self.issued_order.pop_front() {
                self.issued.remove(&oldest);
            }
        }
        code
    }

    /// Spends `code` for an exchange sent with `redirect_uri` at `now`, and says what
    /// it grants; or why not.
    pub(super) fn redeem(
        &mut self,
        code: &str,
        redirect_uri: &str,
        now: Instant,
    ) -> Result<Grant, CodeRefusal> {
        let digest = digest(code);
        if self.used.contains(&digest) {
            return Err(CodeRefusal::Reused);
        }
        let (grant, issued_at) = self.issued.get(&digest).ok_or(CodeRefusal::Unknown)?;
        if now.saturating_duration_since(*issued_at) > CODE_LIFETIME {
            self.forget_issued(&digest);
            return Err(CodeRefusal::Expired);
        }
        // RFC 6749 §4.1.3: identical to the one of the link, compared as strings.
        if grant.redirect_uri != redirect_uri {
            return Err(CodeRefusal::OtherRedirect);
        }
        let grant = grant.clone();
        self.forget_issued(&digest);
        self.used.insert(digest);
        self.used_order.push_back(digest);
        while self.used_order.len() > REMEMBERED_CODES {
            if let Some(oldest) = self.used_order.pop_front() {
                self.used.remove(&oldest);
            }
        }
        Ok(grant)
    }

    fn forget_issued(&mut self, digest: &[u8; 32]) {
        if self.issued.remove(digest).is_some() {
            self.issued_order.retain(|d| d != digest);
        }
    }
}

/// What is kept of a code: its SHA-256.
fn digest(code: &str) -> [u8; 32] {
    Sha256::digest(code.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Clock as _;

    fn grant(redirect_uri: &str) -> Grant {
        Grant {
            redirect_uri: redirect_uri.into(),
            scopes: vec![Scope::from("/2023-03-01/official/employees")].into(),
            mode: Mode::Official,
            provider: Provider::Sandbox,
        }
    }

    #[test]
    fn a_code_works_once_for_its_redirect_uri_until_it_expires() {
        let mut codes = Codes::default();
        let start = crate::clock::SystemClock.now();
        let code = codes.issue("id", grant("https://a.example/cb"), start);
        assert_eq!(
            codes.redeem("never-issued", "https://a.example/cb", start),
            Err(CodeRefusal::Unknown)
        );
        assert_eq!(
            codes.redeem(&code, "https://a.example/cb/", start),
            Err(CodeRefusal::OtherRedirect)
        );
        let at_the_end = start + CODE_LIFETIME;
        assert_eq!(
            codes.redeem(&code, "https://a.example/cb", at_the_end),
            Ok(grant("https://a.example/cb"))
        );
        assert_eq!(
            codes.redeem(&code, "https://a.example/cb", at_the_end),
            Err(CodeRefusal::Reused)
        );

        let late = codes.issue("id", grant("https://a.example/cb"), start);
        let after = start + CODE_LIFETIME + Duration::from_secs(1);
        assert_eq!(
            codes.redeem(&late, "https://a.example/cb", after),
            Err(CodeRefusal::Expired)
        );
        assert_eq!(
            codes.redeem(&late, "https://a.example/cb", after),
            Err(CodeRefusal::Unknown)
        );
    }

    #[test]
    fn memory_is_bounded() {
        let mut codes = Codes::default();
        let now = crate::clock::SystemClock.now();
        let mut spent = Vec::new();
        for _ in 0..REMEMBERED_CODES + 5 {
            let code = codes.issue("id", grant("https://a.example/cb"), now);
            spent.push(code);
        }
        assert_eq!(
            (codes.issued.len(), codes.issued_order.len()),
            (REMEMBERED_CODES, REMEMBERED_CODES)
        );
        for code in &spent[spent.len() - 20..] {
            codes.redeem(code, "https://a.example/cb", now).unwrap();
        }
        assert_eq!(codes.used.len(), 20);
        assert_eq!(codes.issued.len(), REMEMBERED_CODES - 20);
    }
}
