//! Compressed answers from a raw server: `gzip` and `deflate` bodies are asked for and
//! decoded, and a compression bomb (small on the wire, huge decoded) ends in the
//! same body-limit error as a plain oversized body: the limits count decoded bytes, and
//! decoding stops at the limit.

use std::io::Write as _;

use flate2::write::{GzEncoder, ZlibEncoder};
use flate2::Compression;
use flowpayroll::limits::{DEFAULT_BODY_LIMIT, TOKEN_BODY_LIMIT};

use super::common::jwt;
use super::common::raw::{response, RawServer, Reply};
use super::*;

const MIB: usize = 1 << 20;

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

/// HTTP `deflate` is the zlib format (RFC 9110 §8.4.1.2).
fn deflate(data: &[u8]) -> Vec<u8> {
    let mut encoder = ZlibEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

fn encoded_json(encoding: &str, body: &[u8]) -> Reply {
    Reply::Bytes(response(
        200,
        &[
            ("content-type", "application/json"),
            ("content-encoding", encoding),
        ],
        body,
    ))
}

/// A gzip body of `mib` MiB of spaces, about 1 KiB per MiB on the wire: far smaller
/// than any limit as sent, far larger decoded. Returns the answer and its size on the
/// wire.
fn bomb(mib: usize) -> (Reply, usize) {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    let block = vec![b' '; MIB];
    for _ in 0..mib {
        encoder.write_all(&block).unwrap();
    }
    let wire = encoder.finish().unwrap();
    let size = wire.len();
    (encoded_json("gzip", &wire), size)
}

fn accepts(request: &common::raw::Request, encoding: &str) -> bool {
    request.rest.lines().any(|line| {
        line.to_ascii_lowercase().starts_with("accept-encoding:") && line.contains(encoding)
    })
}

#[tokio::test]
async fn gzip_and_deflate_answers_are_asked_for_and_decoded() {
    for (encoding, encode) in [("gzip", gzip as fn(&[u8]) -> Vec<u8>), ("deflate", deflate)] {
        let token = jwt("jti-compressed");
        let issued = token.clone();
        let server = RawServer::start(move |_, request| {
            if !accepts(request, encoding) {
                return json(400, r#"{"error":"no accept-encoding"}"#);
            }
            let body = match request.path() {
                TOKEN_PATH => format!(
                    r#"{{"access_token":"{issued}","token_type":"Bearer","expires_in":3600}}"#
                ),
                _ => r#"[{"token":"t-1","scopes":["read:account"],"created_at":"2024-01-01T00:00:00Z","mode":"official","provider":"sandbox","valid":true}]"#.to_owned(),
            };
            encoded_json(encoding, &encode(body.as_bytes()))
        });
        let fp = builder_for(&server).build().unwrap();

        let tokens = fp.management().tokens().await.unwrap();
        assert_eq!(tokens.len(), 1, "{encoding}");
        assert_eq!(tokens[0].token, "t-1", "{encoding}");
        assert_eq!(server.hits(TOKEN_PATH), 1, "{encoding}");
        assert_eq!(server.hits(TOKENS_PATH), 1, "{encoding}");
        for request in server.requests() {
            let asked = request
                .rest
                .lines()
                .find(|l| l.to_ascii_lowercase().starts_with("accept-encoding:"))
                .unwrap_or_default()
                .to_owned();
            for wanted in ["gzip", "br", "deflate"] {
                assert!(asked.contains(wanted), "{asked}");
            }
        }
    }
}

#[tokio::test]
async fn a_gzip_bomb_from_the_token_endpoint_ends_at_64_kib_decoded() {
    let leaks = LeakCheck::start();
    // 16 MiB decoded; 16 KiB on the wire, within the 64 KiB limit. A limit on the wire
    // size would read it all and fail to decode it instead.
    let (reply, wire) = bomb(16);
    assert!(wire < TOKEN_BODY_LIMIT, "{wire}");
    let server = RawServer::start(move |_, _| reply.clone());
    let fp = builder_for(&server)
        .token_request_policy(one_attempt())
        .build()
        .unwrap();

    let error = fp.authenticate().await.unwrap_err();
    assert_body_too_large(&error, "request_token", TOKEN_BODY_LIMIT, "64 KiB");
    assert_eq!(server.hits(TOKEN_PATH), 1);
    leaks.assert_no_secret(&error, &[]);
}

#[tokio::test]
async fn a_gzip_bomb_api_body_ends_at_the_body_limit_decoded() {
    let leaks = LeakCheck::start();
    let token = jwt("jti-bomb");
    // 64 MiB decoded; about 64 KiB on the wire, within the 8 MiB default limit.
    let (reply, wire) = bomb(64);
    assert!(wire < DEFAULT_BODY_LIMIT, "{wire}");
    let server = behind_token(&token, move |_| reply.clone());
    let fp = builder_for(&server).build().unwrap();

    let error = fp.management().tokens().await.unwrap_err();
    assert_body_too_large(&error, "list_tokens", DEFAULT_BODY_LIMIT, "8 MiB");
    assert_eq!(server.hits(TOKENS_PATH), 1);
    leaks.assert_no_secret(&error, &[&token]);
}
