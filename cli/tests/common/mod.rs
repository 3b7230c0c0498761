//! Helpers shared by the CLI's tests: the `flowpayroll` binary with a clean
//! environment (or pointed at a server), what a run printed, a check that output is terminal-safe, and a raw
//! HTTP server on 127.0.0.1 that answers whatever bytes a test gives it.
#![allow(dead_code)]

use std::fmt::Display;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use assert_cmd::cargo::CommandCargoExt as _;

/// The binary, with no `FLOWPAYROLL_*` variable inherited from the test's environment.
pub fn command() -> Command {
    let mut command = Command::cargo_bin("flowpayroll").unwrap();
    for (name, _) in std::env::vars().filter(|(name, _)| name.starts_with("FLOWPAYROLL_")) {
        command.env_remove(name);
    }
    command
}

/// The binary configured through the environment with these credentials and URLs,
/// as a user would set them.
pub fn configured(
    client_id: &str,
    secret: &str,
    token_url: impl Display,
    api_url: impl Display,
) -> Command {
    let mut command = command();
    command
        .env("FLOWPAYROLL_CLIENT_ID", client_id)
        .env("FLOWPAYROLL_CLIENT_SECRET", secret)
        .env("FLOWPAYROLL_TOKEN_URL", token_url.to_string())
        .env("FLOWPAYROLL_API_URL", api_url.to_string());
    command
}

/// What a finished run printed, and its exit code.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(output: Output) -> Self {
        Self {
            code: output
                .status
                .code()
                .expect("exited, not killed by a signal"),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
        }
    }
}

/// Panics if `text` holds a character that acts on a terminal: a C0 control other than
/// the newline, DEL, a C1 control, a bidi control or a line/paragraph separator.
pub fn assert_terminal_safe(what: &str, text: &str) {
    let bad: Vec<char> = text
        .chars()
        .filter(|&c| {
            (c.is_control() && c != '\n')
                || matches!(
                    c,
                    '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}'
                )
                || matches!(c, '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}')
        })
        .collect();
    assert!(bad.is_empty(), "raw {bad:?} in {what}: {text:?}");
}

/// One HTTP answer: status line (`"200 OK"`), content type and body.
pub fn http(status: &str, content_type: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// A JWT-shaped token whose payload carries `jti` (the signature is not real).
pub fn jwt(jti: &str) -> String {
    use base64::Engine as _;
    let b64 = |v: &serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    format!(
        "{}.{}.{}",
        b64(&serde_json::json!({"alg": "RS256", "typ": "JWT"})),
        b64(&serde_json::json!({"jti": jti, "sub": "c"})),
        "c2ln"
    )
}

/// One JSON answer: status line (`"200 OK"`) and body.
pub fn json_http(status: &str, body: &serde_json::Value) -> Vec<u8> {
    http(status, "application/json", &body.to_string())
}

/// The path of a request line (`"GET /path HTTP/1.1"`).
pub fn path_of(request_line: &str) -> &str {
    request_line.split(' ').nth(1).unwrap_or_default()
}

/// One request as the server received it.
#[derive(Debug, Clone)]
pub struct Received {
    /// The request line, `"GET /path HTTP/1.1"`.
    pub line: String,
    /// The header lines, names lowercased: `"user-id: u-1"`.
    pub headers: Vec<String>,
    /// The body, as text (lossy).
    pub body: String,
}

impl Received {
    /// The value of header `name` (lowercase), if it was sent.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find_map(|h| h.strip_prefix(name)?.strip_prefix(':').map(str::trim))
    }
}

/// A loopback HTTP server that reads each request and writes the bytes `answer` returns
/// for its request line (`"GET /path HTTP/1.1"`), then closes the connection. It keeps
/// every request it read.
#[derive(Debug)]
pub struct RawServer {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
}

impl RawServer {
    pub fn start(answer: impl Fn(&str) -> Vec<u8> + Send + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = received.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                if let Some(request) = read_request(&stream) {
                    let reply = answer(&request.line);
                    log.lock().unwrap().push(request);
                    let _ = (&stream).write_all(&reply);
                }
            }
        });
        Self { addr, received }
    }

    /// `http://127.0.0.1:PORT` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The binary with client `c` and `secret`, its token endpoint at `token_path` on
    /// this server and its API at the server's root.
    pub fn command(&self, token_path: &str, secret: &str) -> Command {
        configured("c", secret, self.url(token_path), self.url(""))
    }

    /// Runs the CLI against this server with `args` and collects what it printed.
    pub fn run(&self, token_path: &str, secret: &str, args: &[&str]) -> Run {
        self.command(token_path, secret)
            .args(args)
            .output()
            .unwrap()
            .into()
    }

    /// Requests answered so far.
    pub fn requests(&self) -> usize {
        self.received.lock().unwrap().len()
    }

    /// Every request answered so far, in order.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

/// Reads the request head and its `content-length` body.
fn read_request(stream: &TcpStream) -> Option<Received> {
    let mut reader = BufReader::new(stream);
    let mut request_line = String::new();
    reader.read_line(&mut request_line).ok()?;
    let mut length = 0;
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).ok()? == 0 {
            return None;
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().ok()?;
            }
            headers.push(format!("{}:{value}", name.to_ascii_lowercase()));
        }
    }
    let mut body = vec![0; length.min(1 << 20)];
    reader.read_exact(&mut body).ok()?;
    Some(Received {
        line: request_line.trim_end().to_owned(),
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}
