//! Fleet mode on Redis as it is run in production: a TLS-only `redis-server` whose
//! certificate is signed by a CA the test makes (trusted through
//! `redis_ca_certificate` and `FLOWPAYROLL_REDIS_CA`, refused without it), and an ACL
//! user allowed only the commands fleet mode needs (docs/fleet.md lists them), with the
//! default user off. Without `redis-server` these tests print one line and pass, unless
//! `FLOWPAYROLL_REQUIRE_REDIS=1`.
#![allow(clippy::disallowed_methods)]

mod common;

use common::redis_server::RedisServer;
use common::*;
use flowpayroll::fleet::FleetState;
use flowpayroll::sandbox::Sandbox;
use flowpayroll::{Error, FlowPayroll};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};

/// The commands fleet mode sends (docs/fleet.md): reads, writes, the lease and the
/// compare-and-delete / compare-and-extend scripts (and what they call), the probe.
const FLEET_COMMANDS: &str = "+getrange +set +get +del +pexpire +evalsha +eval +ping";

/// A TLS-only server on a certificate for 127.0.0.1 signed by a fresh CA; the CA's PEM.
fn tls_server() -> Option<(RedisServer, String)> {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let key = KeyPair::generate().unwrap();
    let params =
        CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
    let certificate = params.signed_by(&key, &ca).unwrap();
    let dir = std::env::temp_dir().join(format!(
        "flowpayroll-redis-tls-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let args = vec![
        "--tls-cert-file".to_owned(),
        write("server.pem", &certificate.pem()),
        "--tls-key-file".to_owned(),
        write("server.key", &key.serialize_pem()),
        "--tls-ca-cert-file".to_owned(),
        write("ca.pem", &ca.pem()),
        "--tls-auth-clients".to_owned(),
        "no".to_owned(),
    ];
    let server = RedisServer::start_with(args, true);
    let _ = std::fs::remove_dir_all(&dir);
    Some((server?, ca.pem()))
}

fn member(sandbox: &Sandbox, url: &str, ca: Option<&str>) -> Result<FlowPayroll, Error> {
    let mut builder = sandbox
        .client_builder()
        .refresh_policy(refresh_policy())
        .fleet_policy(fleet_policy())
        .redis_url(url);
    if let Some(ca) = ca {
        builder = builder.redis_ca_certificate(ca.as_bytes());
    }
    builder.build()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_shares_one_token_over_tls_with_the_ca_it_is_given() {
    let Some((redis, ca)) = tls_server() else {
        return;
    };
    let sandbox = sandbox().await;
    let url = format!("rediss://127.0.0.1:{}", redis.port());
    let fleet: Vec<_> = (0..4)
        .map(|_| member(&sandbox, &url, Some(&ca)).unwrap())
        .collect();

    call_all(&fleet).await;
    let (ok, failed) = run_calls(&fleet, LIFETIME * 2).await;
    assert_eq!(failed, 0);
    assert!(ok > 4 * 30, "{ok} calls");
    let mints = sandbox.token_requests();
    assert!((2..=3).contains(&mints), "{mints} mints over 2 lifetimes");
    for member in &fleet {
        let status = member.token_status().fleet.unwrap();
        assert_eq!(status.state, FleetState::Connected, "{status:?}");
        assert_eq!(status.local_mints, 0, "{status:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_ca_the_tls_redis_is_not_trusted_and_members_mint_alone() {
    let Some((redis, _ca)) = tls_server() else {
        return;
    };
    let sandbox = sandbox().await;
    let url = format!("rediss://127.0.0.1:{}", redis.port());
    let fleet: Vec<_> = (0..2)
        .map(|_| member(&sandbox, &url, None).unwrap())
        .collect();
    call_all(&fleet).await;
    assert_eq!(sandbox.token_requests(), 2);
    for member in &fleet {
        let status = member.token_status().fleet.unwrap();
        assert_eq!(status.state, FleetState::Unavailable, "{status:?}");
        assert_eq!(status.local_mints, 1, "{status:?}");
        let reason = status.reason.unwrap();
        assert!(reason.to_lowercase().contains("certificate"), "{reason}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ca_with_a_plain_url_or_without_a_url_is_refused_at_build() {
    let sandbox = sandbox().await;
    let ca = "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n";
    let Err(Error::Config(message)) = member(&sandbox, "redis://127.0.0.1:1", Some(ca)) else {
        panic!("a CA with redis:// was accepted");
    };
    assert!(message.contains("use rediss://"), "{message}");
    let without_url = sandbox
        .client_builder()
        .redis_ca_certificate(ca.as_bytes())
        .build();
    let Err(Error::Config(message)) = without_url else {
        panic!("a CA without a Redis URL was accepted");
    };
    assert!(message.contains("no Redis URL"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processes_take_the_ca_from_flowpayroll_redis_ca() {
    let Some((redis, ca)) = tls_server() else {
        return;
    };
    let sandbox = sandbox().await;
    let db = TempDatabase::new();
    let ca_path = db.0.with_extension("ca.pem");
    std::fs::write(&ca_path, &ca).unwrap();
    let url = format!("rediss://127.0.0.1:{}", redis.port());
    let vars = [
        ("FLOWPAYROLL_REDIS_URL", url.as_str()),
        ("FLOWPAYROLL_REDIS_CA", ca_path.to_str().unwrap()),
    ];
    let children = (0..2).map(|_| spawn_member_with(&sandbox, &vars)).collect();
    until_tokens(&sandbox, 1).await;
    let reports = reports(children).await;
    let _ = std::fs::remove_file(&ca_path);
    let sum = |name| reports.iter().map(|r| field(r, name)).sum::<u64>();
    assert_eq!(
        (sum("failed"), sum("local"), sum("minted")),
        (0, 0, 1),
        "{reports:?}"
    );
    assert_eq!(sandbox.token_requests(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_acl_user_with_only_the_fleet_commands_runs_the_fleet() {
    let user = format!("fleet on >s3cret-pw ~flowpayroll:* {FLEET_COMMANDS}");
    let args = ["--user", "default off", "--user", &user];
    let args: Vec<String> = args
        .iter()
        .flat_map(|a| a.split(' ').map(str::to_owned).collect::<Vec<_>>())
        .collect();
    let Some(redis) = RedisServer::start_with(args, false) else {
        return;
    };
    let sandbox = sandbox().await;
    let port = redis.port();
    let fleet: Vec<_> = (0..4)
        .map(|_| {
            let url = format!("redis://fleet:s3cret-pw@127.0.0.1:{port}");
            member(&sandbox, &url, None).unwrap()
        })
        .collect();
    call_all(&fleet).await;
    // Two lifetimes: refreshes take and free the lease (the scripts) and share again.
    let (ok, failed) = run_calls(&fleet, LIFETIME * 2).await;
    assert_eq!(failed, 0);
    assert!(ok > 4 * 30, "{ok} calls");
    let mints = sandbox.token_requests();
    assert!((2..=3).contains(&mints), "{mints} mints over 2 lifetimes");
    for member in &fleet {
        let status = member.token_status().fleet.unwrap();
        assert_eq!(status.state, FleetState::Connected, "{status:?}");
        assert_eq!(status.local_mints, 0, "{status:?}");
    }

    // A wrong password: members mint alone, and the reason never shows the password.
    let url = format!("redis://fleet:wrong-pw-x@127.0.0.1:{port}");
    let alone = member(&sandbox, &url, None).unwrap();
    alone.management().tokens().await.unwrap();
    let status = alone.token_status().fleet.unwrap();
    assert_eq!(
        (status.state, status.local_mints),
        (FleetState::Unavailable, 1)
    );
    let reason = status.reason.unwrap();
    assert!(!reason.contains("wrong-pw-x"), "{reason}");
}
