//! TLS with the provider this build enables (`rustls-aws-lc` by default, `rustls-ring`
//! with `--no-default-features --features rustls-ring,sandbox`): the sandbox served over
//! https on loopback, behind a certificate made at test time by a test CA that the client
//! trusts only through `add_root_certificate`.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use flowpayroll::operation::Operation;
use flowpayroll::sandbox::Sandbox;
use flowpayroll::{Environment, Error, FlowPayroll, FlowPayrollBuilder};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

/// A test CA and a certificate for `localhost` and 127.0.0.1 it signed.
struct TestPki {
    ca_pem: String,
    leaf: CertificateDer<'static>,
    leaf_key: PrivateKeyDer<'static>,
}

fn test_pki() -> TestPki {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf_params =
        CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
    let leaf = leaf_params.signed_by(&leaf_key, &ca).unwrap();
    TestPki {
        ca_pem: ca.pem(),
        leaf: leaf.der().clone(),
        leaf_key: PrivatePkcs8KeyDer::from(leaf_key.serialize_der()).into(),
    }
}

/// A TLS front on 127.0.0.1 that terminates TLS and relays the bytes to `backend` (the
/// sandbox's plain HTTP port). Counts accepted connections and completed handshakes and
/// keeps the server names the clients sent.
#[derive(Clone, Default)]
struct TlsFront {
    accepted: Arc<AtomicUsize>,
    handshakes: Arc<AtomicUsize>,
    server_names: Arc<Mutex<Vec<String>>>,
}

impl TlsFront {
    async fn start(pki: &TestPki, backend: SocketAddr) -> (Self, SocketAddr) {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![pki.leaf.clone()], pki.leaf_key.clone_key())
            .unwrap();
        // The sandbox speaks HTTP/1.1 only.
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let front = Self::default();
        let counts = front.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                counts.accepted.fetch_add(1, Ordering::SeqCst);
                let acceptor = acceptor.clone();
                let counts = counts.clone();
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(socket).await else {
                        return;
                    };
                    counts.handshakes.fetch_add(1, Ordering::SeqCst);
                    let name = tls.get_ref().1.server_name().unwrap_or("").to_owned();
                    counts.server_names.lock().unwrap().push(name);
                    let Ok(mut plain) = TcpStream::connect(backend).await else {
                        return;
                    };
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                });
            }
        });
        (front, address)
    }
}

fn https_builder(sandbox: &Sandbox, front: SocketAddr) -> FlowPayrollBuilder {
    let base = format!("https://localhost:{}", front.port());
    FlowPayroll::builder()
        .credentials(sandbox.client_id(), sandbox.client_secret())
        .environment(Environment::Custom {
            token_url: format!("{base}{}", Operation::RequestToken.path())
                .parse()
                .unwrap(),
            api_url: base.parse().unwrap(),
        })
}

fn backend(sandbox: &Sandbox) -> SocketAddr {
    sandbox.address()
}

#[tokio::test]
async fn the_sandbox_over_https_with_a_trusted_test_ca() {
    let pki = test_pki();
    let sandbox = Sandbox::start().await.unwrap();
    let (front, address) = TlsFront::start(&pki, backend(&sandbox)).await;
    let fp = https_builder(&sandbox, address)
        .add_root_certificate(pki.ca_pem.clone())
        .build()
        .unwrap();

    let tokens = fp.management().tokens().await.unwrap();
    assert_eq!(tokens.len(), 1);
    let providers = fp.providers().await.unwrap();
    assert!(!providers.is_empty());

    assert_eq!(sandbox.token_requests(), 1);
    assert_eq!(sandbox.api_requests(Operation::ListTokens), 1);
    assert_eq!(sandbox.api_requests(Operation::ListProviders), 1);
    // One pooled connection carried the token request and both calls.
    assert_eq!(front.accepted.load(Ordering::SeqCst), 1);
    assert_eq!(front.handshakes.load(Ordering::SeqCst), 1);
    assert_eq!(*front.server_names.lock().unwrap(), vec!["localhost"]);
}

#[tokio::test]
async fn a_certificate_from_an_unknown_ca_is_refused_before_anything_is_sent() {
    let pki = test_pki();
    let sandbox = Sandbox::start().await.unwrap();
    let (front, address) = TlsFront::start(&pki, backend(&sandbox)).await;
    // A different CA than the one that signed the server's certificate.
    let other = test_pki();
    let fp = https_builder(&sandbox, address)
        .add_root_certificate(other.ca_pem)
        .build()
        .unwrap();

    let error = fp.management().tokens().await.unwrap_err();
    let text = error.to_string();
    assert!(
        !text.contains(sandbox.client_secret().expose_secret()),
        "{text}"
    );
    assert!(front.accepted.load(Ordering::SeqCst) >= 1);
    assert_eq!(front.handshakes.load(Ordering::SeqCst), 0);
    assert_eq!(sandbox.token_requests(), 0);
    assert_eq!(sandbox.api_requests(Operation::ListTokens), 0);
}

#[test]
fn a_root_certificate_that_is_not_pem_is_a_configuration_error() {
    for bad in [
        &b"not a certificate"[..],
        b"",
        b"-----BEGIN CERTIFICATE-----\n!!\n",
    ] {
        let error = FlowPayroll::builder()
            .credentials("id", "secret")
            .add_root_certificate(bad)
            .build()
            .unwrap_err();
        assert!(matches!(error, Error::Config(_)), "{error:?}");
        assert!(
            error.to_string().contains("add_root_certificate"),
            "{error}"
        );
    }
}
