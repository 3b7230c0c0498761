//! `flowpayroll webhooks listen` is bounded whatever its clients do: headers that never
//! finish close the connection, a body that stalls gets 408, and Ctrl-C (SIGINT) stops
//! the process even while a client holds a delivery half-sent.

mod common;

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::command;

/// The listener, and the `host:port` it printed.
fn start() -> (Child, String) {
    let mut child = command()
        .env("FLOWPAYROLL_CLIENT_SECRET", "listener-secret-4Kq")
        .args(["webhooks", "listen", "--port", "0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let address = first
        .split_whitespace()
        .find_map(|word| word.strip_prefix("http://"))
        .unwrap()
        .trim_end_matches('/')
        .to_owned();
    // Keep reading stdout so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, address)
}

/// Everything the server sends until it closes the connection (a read timeout of 30 s
/// fails the test instead of hanging it).
fn read_to_close(stream: &mut TcpStream) -> String {
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut answer = Vec::new();
    stream
        .read_to_end(&mut answer)
        .expect("the server closed the connection");
    String::from_utf8_lossy(&answer).into_owned()
}

#[test]
fn stalled_headers_are_closed_and_a_stalled_body_gets_408() {
    let (mut child, address) = start();
    let mut headers = TcpStream::connect(&address).unwrap();
    headers
        .write_all(b"POST / HTTP/1.1\r\nhost: x\r\n")
        .unwrap();
    let mut body = TcpStream::connect(&address).unwrap();
    body.write_all(
        b"POST / HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"added\":",
    )
    .unwrap();
    let stalled_body = std::thread::spawn(move || read_to_close(&mut body));

    // hyper answers a header timeout with 408 or closes without a word.
    let answer = read_to_close(&mut headers);
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer}"
    );
    let answer = stalled_body.join().unwrap();
    assert!(
        answer.starts_with("HTTP/1.1 408 Request Timeout"),
        "{answer}"
    );
    assert!(
        answer.contains("the request's body did not arrive in time"),
        "{answer}"
    );
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn ctrl_c_stops_it_while_a_client_holds_a_delivery_half_sent() {
    let (mut child, address) = start();
    let mut held = TcpStream::connect(&address).unwrap();
    held.write_all(
        b"POST / HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{",
    )
    .unwrap();
    // The server has the request in flight before the signal.
    std::thread::sleep(Duration::from_millis(200));
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    // Bounded wait so a regression fails instead of hanging the suite.
    for _ in 0..300 {
        if let Some(status) = child.try_wait().unwrap() {
            assert_eq!(status.code(), Some(0));
            // The held connection was closed by the server.
            let answer = read_to_close(&mut held);
            assert!(
                answer.is_empty() || answer.starts_with("HTTP/1.1"),
                "{answer}"
            );
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    child.kill().unwrap();
    panic!("the listener did not stop on SIGINT while a client held a delivery");
}
