//! A raw-TCP HTTP/1.1 server on 127.0.0.1 under the test's full control: for each
//! request it asks the test what to do ([`Reply`]) and then sends any bytes, streams an
//! endless chunked body, trickles, resets the connection or never answers. It runs on
//! its own thread and runtime, so it outlives the test's runtimes and ignores paused or
//! manual time, and it counts requests and the body bytes it managed to send.

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the server does with one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// Sends these bytes (a whole response, or not) and closes.
    Bytes(Vec<u8>),
    /// Sends `head` (status line and headers, ending in a blank line, announcing
    /// `transfer-encoding: chunked`) then `chunk` as chunks, forever.
    Endless { head: Vec<u8>, chunk: Vec<u8> },
    /// Sends these bytes one at a time, `every` apart.
    Trickle { bytes: Vec<u8>, every: Duration },
    /// Resets the connection (RST) without answering.
    Reset,
    /// Sends these bytes (a head and part of a body, say), then resets.
    BytesThenReset(Vec<u8>),
    /// Keeps the connection open and never answers.
    Hang,
    /// Sends these bytes (and closes) once `gate` is open: a reply held until the test
    /// has seen what it waits for, with no clock involved.
    Gated { gate: Gate, bytes: Vec<u8> },
}

/// A gate that replies wait behind ([`Reply::Gated`]); it opens once and stays open.
#[derive(Debug, Clone)]
pub struct Gate(Arc<tokio::sync::watch::Sender<bool>>);

impl Default for Gate {
    fn default() -> Self {
        Self(Arc::new(tokio::sync::watch::channel(false).0))
    }
}

impl Gate {
    /// Opens the gate: every held reply goes out.
    pub fn open(&self) {
        self.0.send_replace(true);
    }

    async fn opened(&self) {
        let _ = self.0.subscribe().wait_for(|open| *open).await;
    }
}

/// One request as received.
#[derive(Debug, Clone)]
pub struct Request {
    /// The request line, `POST /oauth2/token HTTP/1.1`.
    pub line: String,
    /// Header lines and body, as text (lossy).
    pub rest: String,
}

impl Request {
    pub fn path(&self) -> &str {
        self.line.split(' ').nth(1).unwrap_or("")
    }
}

type Handler = dyn Fn(usize, &Request) -> Reply + Send + Sync;

/// The server; dropped with the test (its thread ends with the process).
#[derive(Clone)]
pub struct RawServer {
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<Request>>>,
    body_bytes_sent: Arc<AtomicU64>,
    connections: Arc<AtomicUsize>,
}

impl RawServer {
    /// Starts a server whose `handler` gets the request number (0 for the first) and
    /// the request, and says what to answer.
    pub fn start(handler: impl Fn(usize, &Request) -> Reply + Send + Sync + 'static) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let server = RawServer {
            addr: listener.local_addr().unwrap(),
            requests: Arc::default(),
            body_bytes_sent: Arc::default(),
            connections: Arc::default(),
        };
        let handler: Arc<Handler> = Arc::new(handler);
        let state = server.clone();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = TcpListener::from_std(listener).unwrap();
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    state.connections.fetch_add(1, Ordering::SeqCst);
                    let (state, handler) = (state.clone(), handler.clone());
                    tokio::spawn(async move {
                        let _ = state.serve(stream, &*handler).await;
                    });
                }
            });
        });
        server
    }

    /// `http://127.0.0.1:port` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Requests received so far.
    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }

    /// Requests received for `path`.
    pub fn hits(&self, path: &str) -> usize {
        self.requests().iter().filter(|r| r.path() == path).count()
    }

    /// Body bytes of [`Reply::Endless`] written to the socket so far.
    pub fn body_bytes_sent(&self) -> u64 {
        self.body_bytes_sent.load(Ordering::SeqCst)
    }

    /// TCP connections accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    async fn serve(&self, mut stream: TcpStream, handler: &Handler) -> io::Result<()> {
        loop {
            let Some(request) = read_request(&mut stream).await? else {
                return Ok(());
            };
            let number = {
                let mut requests = self.requests.lock().unwrap();
                requests.push(request.clone());
                requests.len() - 1
            };
            match handler(number, &request) {
                Reply::Bytes(bytes) => {
                    stream.write_all(&bytes).await?;
                    stream.shutdown().await?;
                    return Ok(());
                }
                Reply::Endless { head, chunk } => {
                    stream.write_all(&head).await?;
                    let framed = [
                        format!("{:x}\r\n", chunk.len()).into_bytes(),
                        chunk.clone(),
                        b"\r\n".to_vec(),
                    ]
                    .concat();
                    loop {
                        stream.write_all(&framed).await?;
                        self.body_bytes_sent
                            .fetch_add(chunk.len() as u64, Ordering::SeqCst);
                    }
                }
                // The server runs on real time, on its own runtime.
                #[allow(clippy::disallowed_methods)]
                Reply::Trickle { bytes, every } => {
                    for byte in bytes {
                        stream.write_all(&[byte]).await?;
                        tokio::time::sleep(every).await;
                    }
                    return Ok(());
                }
                Reply::Reset => {
                    stream.set_zero_linger()?;
                    return Ok(());
                }
                Reply::BytesThenReset(bytes) => {
                    stream.write_all(&bytes).await?;
                    stream.flush().await?;
                    stream.set_zero_linger()?;
                    return Ok(());
                }
                Reply::Hang => {
                    std::future::pending::<()>().await;
                }
                Reply::Gated { gate, bytes } => {
                    gate.opened().await;
                    stream.write_all(&bytes).await?;
                    stream.shutdown().await?;
                    return Ok(());
                }
            }
        }
    }
}

/// Reads one request (headers and a `content-length` body); `None` at end of stream.
async fn read_request(stream: &mut TcpStream) -> io::Result<Option<Request>> {
    let mut buffer = Vec::new();
    let mut byte = [0u8; 1];
    while !buffer.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).await? == 0 {
            return Ok(None);
        }
        buffer.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&buffer).into_owned();
    let length = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).await?;
    let (line, rest) = head.split_once("\r\n").unwrap_or((&head, ""));
    Ok(Some(Request {
        line: line.to_owned(),
        rest: format!("{rest}{}", String::from_utf8_lossy(&body)),
    }))
}

/// A complete response: status, extra header lines, body; `connection: close`.
pub fn response(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut head = format!(
        "HTTP/1.1 {status} Status\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    [head.into_bytes(), body.to_vec()].concat()
}

/// A JSON response.
pub fn json(status: u16, body: &str) -> Reply {
    Reply::Bytes(response(
        status,
        &[("content-type", "application/json")],
        body.as_bytes(),
    ))
}

/// The head of an endless chunked response with `status`.
pub fn chunked_head(status: u16) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status} Status\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n"
    )
    .into_bytes()
}

/// A loopback address where connecting hangs: a listener that never accepts, its
/// accept queue already full, so the kernel drops a new connection's SYN and the
/// client waits for an answer that never comes (until its connect timeout).
#[derive(Debug)]
pub struct Unanswered {
    pub addr: SocketAddr,
    _listener: TcpListener,
    _queued: Vec<std::net::TcpStream>,
}

impl Unanswered {
    /// Binds 127.0.0.1 with an accept queue of one and fills it.
    pub fn start() -> Self {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let listener = socket.listen(0).unwrap();
        let addr = listener.local_addr().unwrap();
        // Connections complete until the queue is full; the first that gets no answer
        // shows it is (a short real wait, in setup only).
        let mut queued = Vec::new();
        loop {
            match std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(300)) {
                Ok(stream) => queued.push(stream),
                Err(error) if error.kind() == io::ErrorKind::TimedOut => break,
                Err(error) => panic!("filling the accept queue: {error}"),
            }
            assert!(queued.len() < 64, "the accept queue never filled");
        }
        Self {
            addr,
            _listener: listener,
            _queued: queued,
        }
    }

    /// `http://127.0.0.1:port` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }
}
