//! How the command reports failures: the error and its action (`hint:`) on two lines,
//! exit codes by class (3 configuration, 4 may pass later, 5 permanent), and
//! `--ca-file` / `FLOWPAYROLL_CA_FILE` trusting a private CA, against a real TLS server
//! (`openssl s_server`, Debian's openssl) with certificates made by `openssl` here.

mod common;

use std::process::{Child, Command, Stdio};

use common::*;

/// Kills the server when dropped.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn openssl(dir: &std::path::Path, args: &[&str]) {
    let status = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("openssl (Debian package `openssl`, installed by .ci/run)");
    assert!(status.success(), "openssl {args:?}");
}

/// A private CA (`ca.pem`) and a certificate it signed for 127.0.0.1, in `dir`.
fn private_ca(dir: &std::path::Path) {
    std::fs::create_dir_all(dir).unwrap();
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    let mut ca = vec!["req", "-x509", "-days", "30", "-subj", "/CN=cli test CA"];
    ca.extend(ec);
    ca.extend(["-keyout", "ca.key", "-out", "ca.pem"]);
    openssl(dir, &ca);
    let mut csr = vec!["req", "-new", "-subj", "/CN=127.0.0.1"];
    csr.extend(ec);
    csr.extend(["-keyout", "leaf.key", "-out", "leaf.csr"]);
    openssl(dir, &csr);
    std::fs::write(dir.join("ext"), "subjectAltName=IP:127.0.0.1\n").unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "30",
            "-extfile",
            "ext",
            "-out",
            "leaf.pem",
        ],
    );
}

/// `openssl s_server` with the certificate of [`private_ca`] on a free port, until
/// dropped. Its stdin is empty: after a handshake it closes the connection without a
/// word, so a client that trusts the CA fails fast past TLS.
fn s_server(dir: &std::path::Path) -> (Process, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = Process(
        Command::new("openssl")
            .current_dir(dir)
            .args([
                "s_server", "-quiet", "-cert", "leaf.pem", "-key", "leaf.key",
            ])
            .args(["-accept", &format!("127.0.0.1:{port}")])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return (server, port);
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("openssl s_server did not start");
}

#[test]
fn an_untrusted_ca_exits_5_with_a_hint_and_ca_file_trusts_it() {
    let dir = std::env::temp_dir().join(format!("flowpayroll-cli-ca-{}", std::process::id()));
    private_ca(&dir);
    let run = |extra: &[&str], env: Option<&std::path::Path>| -> Run {
        let (_server, port) = s_server(&dir);
        let url = format!("https://127.0.0.1:{port}");
        let mut command = configured(
            "cli-ca",
            "cli-ca-secret-Q7",
            format!("{url}/oauth2/token"),
            &url,
        );
        command.env_remove("HTTPS_PROXY").env_remove("https_proxy");
        if let Some(path) = env {
            command.env("FLOWPAYROLL_CA_FILE", path);
        }
        command
            .args(extra)
            .args(["token", "mint"])
            .output()
            .unwrap()
            .into()
    };

    let untrusted = run(&[], None);
    assert_eq!(untrusted.code, 5, "{}", untrusted.stderr);
    assert_eq!(
        untrusted.stderr,
        "error: `request_token` (127.0.0.1): the server's certificate is not signed by an authority the client trusts\n\
         hint: trust the issuing CA with `add_root_certificate` (the CLI: --ca-file or FLOWPAYROLL_CA_FILE)\n"
    );

    // Trusted, by the flag or by the variable: the handshake passes, and the failure is
    // the server closing the connection (may pass later), not the certificate.
    let ca = dir.join("ca.pem");
    for trusted in [
        run(&["--ca-file", ca.to_str().unwrap()], None),
        run(&[], Some(&ca)),
    ] {
        assert_eq!(trusted.code, 4, "{}", trusted.stderr);
        assert!(
            !trusted.stderr.contains("certificate"),
            "{}",
            trusted.stderr
        );
        assert!(
            trusted
                .stderr
                .starts_with("error: `request_token` (127.0.0.1): "),
            "{}",
            trusted.stderr
        );
        assert_eq!(trusted.stderr.lines().count(), 2, "{}", trusted.stderr);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_ca_file_that_cannot_be_read_is_a_configuration_error() {
    let run: Run = configured(
        "c",
        "cli-ca-secret-Q7",
        "https://127.0.0.1:9/t",
        "https://127.0.0.1:9/",
    )
    .args(["--ca-file", "/nonexistent/ca.pem", "token", "mint"])
    .output()
    .unwrap()
    .into();
    assert_eq!(run.code, 3, "{}", run.stderr);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stderr);
    assert!(
        lines[0].starts_with(
            "error: invalid configuration: --ca-file (FLOWPAYROLL_CA_FILE) /nonexistent/ca.pem: "
        ),
        "{}",
        run.stderr
    );
    assert_eq!(
        lines[1],
        "hint: fix the setting the message names; retrying cannot help"
    );
}

#[test]
fn a_refused_connection_exits_4_may_pass_later() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // Nothing listens there any more.
    let url = format!("http://127.0.0.1:{port}");
    let run: Run = configured("c", "cli-ca-secret-Q7", format!("{url}/t"), &url)
        .args(["token", "mint"])
        .output()
        .unwrap()
        .into();
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        "error: `request_token` (127.0.0.1): no TCP connection (connection refused)\n\
         hint: check that the host and port are right and that a firewall lets the connection through; it is retried\n"
    );
}
