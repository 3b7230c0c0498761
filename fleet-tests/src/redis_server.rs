//! A real `redis-server` for the fleet tests and benchmark: started on a free 127.0.0.1 port with a
//! temporary directory and no persistence, killed and restarted on demand, stopped and
//! cleaned up when dropped.
//!
//! Without `redis-server` on PATH the fleet tests pass without running and print one
//! line saying so, unless `FLOWPAYROLL_REQUIRE_REDIS=1` (set by `.ci/run`) makes that a
//! failure.

use std::io::Write as _;
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Once;
use std::time::Duration;

/// The variable that turns a missing `redis-server` into a test failure.
pub const REQUIRE: &str = "FLOWPAYROLL_REQUIRE_REDIS";

/// A `redis-server` child process on 127.0.0.1 (see the module docs).
#[derive(Debug)]
pub struct RedisServer {
    binary: PathBuf,
    port: u16,
    dir: PathBuf,
    child: Option<Child>,
    /// Arguments after the defaults (TLS, ACL users); `port` is then the TLS port when
    /// `tls` is set.
    extra: Vec<String>,
    tls: bool,
}

fn find_binary() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/usr/local/bin")])
        .map(|dir| dir.join("redis-server"))
        .find(|candidate| candidate.is_file())
}

impl RedisServer {
    /// A running server, or `None` (after one line on stderr) when `redis-server` is
    /// not installed and not required.
    pub fn start() -> Option<Self> {
        Self::start_with(Vec::new(), false)
    }

    /// A running server with `extra` arguments (see `redis-server --help`); with `tls`,
    /// it listens only for TLS, on [`Self::port`], and the caller's `extra` arguments
    /// name its certificate files.
    pub fn start_with(extra: Vec<String>, tls: bool) -> Option<Self> {
        let Some(binary) = find_binary() else {
            if std::env::var(REQUIRE).is_ok_and(|v| v == "1") {
                panic!(
                    "{REQUIRE}=1 but redis-server is not on PATH (apt-get install redis-server)"
                );
            }
            static SAID: Once = Once::new();
            SAID.call_once(|| {
                // Straight to stderr, so the line shows even when the harness captures
                // test output.
                let _ = writeln!(
                    std::io::stderr(),
                    "fleet tests did NOT run: redis-server is not on PATH; install it \
                     (apt-get install redis-server) and rerun, or set {REQUIRE}=1 to make this a failure"
                );
            });
            return None;
        };
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free loopback port")
            .port();
        let dir =
            std::env::temp_dir().join(format!("flowpayroll-redis-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        let mut server = Self {
            binary,
            port,
            dir,
            child: None,
            extra,
            tls,
        };
        server.restart();
        Some(server)
    }

    /// The port it listens on (for TLS only, with [`Self::start_with`] and `tls`).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's temporary directory (removed when dropped), for its files.
    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Whether the server is running (not killed).
    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }

    /// Kills the server (SIGKILL: no goodbye to the clients).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server (again) on the same port, empty, and waits until it answers.
    pub fn restart(&mut self) {
        self.kill();
        let port = self.port.to_string();
        let ports: Vec<&str> = if self.tls {
            vec!["--port", "0", "--tls-port", &port]
        } else {
            vec!["--port", &port]
        };
        let child = Command::new(&self.binary)
            .args(ports)
            .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(&self.dir)
            .args(["--daemonize", "no", "--loglevel", "warning"])
            .args(&self.extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        self.child = Some(child);
        for _ in 0..500 {
            // A server with TLS or ACL users is only checked for listening.
            let listening = TcpStream::connect(("127.0.0.1", self.port)).is_ok();
            if listening && (!self.extra.is_empty() || self.ping()) {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("redis-server did not answer on port {}", self.port);
    }

    fn ping(&self) -> bool {
        redis::Client::open(self.url())
            .and_then(|c| c.get_connection())
            .and_then(|mut c| redis::cmd("PING").query::<String>(&mut c))
            .is_ok()
    }

    /// A plain connection, to look at or tamper with what the fleet stored.
    pub fn connection(&self) -> redis::Connection {
        redis::Client::open(self.url())
            .and_then(|c| c.get_connection())
            .expect("a connection to the test redis-server")
    }

    /// Commands the server has processed since it started (`INFO stats`), this call's
    /// own included.
    pub fn commands_processed(&self) -> u64 {
        let info: String = redis::cmd("INFO")
            .arg("stats")
            .query(&mut self.connection())
            .expect("INFO answers");
        info.lines()
            .find_map(|line| line.strip_prefix("total_commands_processed:"))
            .and_then(|n| n.trim().parse().ok())
            .expect("INFO stats has total_commands_processed")
    }

    /// Bytes the server has sent to its clients since it started (`INFO stats`).
    pub fn bytes_sent(&self) -> u64 {
        let info: String = redis::cmd("INFO")
            .arg("stats")
            .query(&mut self.connection())
            .expect("INFO answers");
        info.lines()
            .find_map(|line| line.strip_prefix("total_net_output_bytes:"))
            .and_then(|n| n.trim().parse().ok())
            .expect("INFO stats has total_net_output_bytes")
    }

    /// Whether the fleet wrote a key of `kind` (`token`, `lease`, `hold`, `cooldown`).
    pub fn has_key(&self, kind: &str) -> bool {
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(format!("flowpayroll:*:{kind}"))
            .query(&mut self.connection())
            .unwrap();
        !keys.is_empty()
    }

    /// The one key of `kind` (`token`, `lease`, `hold`, `cooldown`) the fleet wrote.
    pub fn key(&self, kind: &str) -> String {
        let mut keys: Vec<String> = redis::cmd("KEYS")
            .arg(format!("flowpayroll:*:{kind}"))
            .query(&mut self.connection())
            .unwrap();
        assert_eq!(keys.len(), 1, "{kind} keys: {keys:?}");
        keys.remove(0)
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
