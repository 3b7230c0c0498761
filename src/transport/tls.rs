//! The TLS configuration of the HTTP client, built here for either provider (chosen by
//! feature: `rustls-aws-lc`, the default, or `rustls-ring`) as reqwest would build it:
//! the platform's verifier, the extra root certificates a caller trusts on top of the
//! platform's, and a session store that tells the connect timeout when a handshake began.
//!
//! With both features on, `rustls-ring` is used. The client's provider goes into its
//! own configuration; the process-wide default is installed only when the application
//! asks, through [`install_ring_provider`].

#[cfg(not(any(feature = "rustls-aws-lc", feature = "rustls-ring")))]
compile_error!(
    "flowpayroll needs a TLS provider: enable the `rustls-aws-lc` (default) or `rustls-ring` feature"
);

use std::sync::Arc;

use rustls::client::Resumption;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::ClientConfig;
use rustls_platform_verifier::Verifier;

use crate::error::Error;
use crate::transport::connect_watch::WatchedSessions;

/// A builder with the enabled provider's TLS set-up and the platform's roots, for the
/// generated `raw::Client::new` (which would otherwise find no provider with
/// `rustls-ring`).
pub(crate) fn client_builder() -> reqwest::ClientBuilder {
    configure(reqwest::Client::builder(), &[]).unwrap_or_else(|_| reqwest::Client::builder())
}

/// Gives `builder` the TLS set-up of the enabled provider, trusting the platform's roots
/// and each certificate of the PEM bundles in `extra_roots`.
pub(crate) fn configure(
    builder: reqwest::ClientBuilder,
    extra_roots: &[Vec<u8>],
) -> Result<reqwest::ClientBuilder, Error> {
    Ok(builder.tls_backend_preconfigured(config(provider(), extra_roots)?))
}

/// ring, with `rustls-ring`.
#[cfg(feature = "rustls-ring")]
pub(crate) fn provider() -> Arc<CryptoProvider> {
    // rustls 0.23.48 deprecates `ring::default_provider` in favour of the separate
    // provider crates of rustls 0.24; on 0.23 it is still the way to name ring.
    #[allow(deprecated)]
    Arc::new(rustls::crypto::ring::default_provider())
}

/// What reqwest's own rustls set-up takes: the process-wide provider if the application
/// installed one, else aws-lc-rs.
#[cfg(not(feature = "rustls-ring"))]
pub(crate) fn provider() -> Arc<CryptoProvider> {
    CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
}

/// The configuration reqwest would build (TLS 1.2 and 1.3, the platform's verifier with
/// the extra roots, ALPN for HTTP/2 and 1.1), plus the session store that tells the
/// connect timeout a handshake began (`crate::transport::connect_watch`).
fn config(provider: Arc<CryptoProvider>, extra_roots: &[Vec<u8>]) -> Result<ClientConfig, Error> {
    let mut roots = Vec::new();
    for pem in extra_roots {
        let before = roots.len();
        for certificate in CertificateDer::pem_slice_iter(pem) {
            roots.push(certificate.map_err(|e| not_pem(&e.to_string()))?);
        }
        if roots.len() == before {
            return Err(not_pem("no certificate in it"));
        }
    }
    let verifier = Verifier::new_with_extra_roots(roots, Arc::clone(&provider))
        .map_err(|e| Error::Config(format!("cannot load the platform's root certificates: {e}")))?;
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Config(format!("cannot configure TLS: {e}")))?
        .dangerous()
        // The platform verifier: the system's roots plus the extra ones, full checks.
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    // reqwest sets ALPN only on configurations it builds itself.
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    config.resumption = Resumption::store(Arc::new(WatchedSessions::new()));
    Ok(config)
}

/// Makes ring the process-wide rustls provider, for the application's other reqwest
/// clients; `true` if this call installed it, `false` if a provider was installed already
/// (then it is left as it is).
///
/// `rustls-ring` turns on reqwest's `rustls-no-provider` feature, and Cargo turns a
/// feature on for every user of a crate in the build: a reqwest client the application
/// builds itself (one without a TLS feature of its own, or with `rustls-no-provider`)
/// then panics in `reqwest::Client::new` with "No rustls crypto provider is
/// configured". reqwest 0.13 has no ring feature to choose instead, so the application
/// calls this once, early in `main` (before building any reqwest client). The
/// flowpayroll client itself needs no call: it carries its own ring configuration.
#[cfg(feature = "rustls-ring")]
pub fn install_ring_provider() -> bool {
    // rustls 0.23.48 deprecates naming ring this way (see `ring::configure`); this is
    // the one place an application would otherwise have to write it.
    #[allow(deprecated)]
    let provider = rustls::crypto::ring::default_provider();
    provider.install_default().is_ok()
}

fn not_pem(reason: &str) -> Error {
    Error::Config(format!(
        "a root certificate given to `add_root_certificate` is not a PEM certificate: {reason}"
    ))
}
