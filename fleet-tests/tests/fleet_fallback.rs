//! A fleet member whose Redis misbehaves still serves every call, minting locally:
//! nothing listening, a server that never answers, a server that answers garbage. These
//! need no `redis-server`: the "Redis" here is a raw TCP listener on 127.0.0.1.

mod common;

use std::time::Duration;

use common::*;
use flowpayroll::fleet::FleetState;
use flowpayroll::operation::Operation;
use flowpayroll::sandbox::Sandbox;
use flowpayroll::FlowPayroll;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

/// A member with a 200 ms Redis timeout.
fn member(sandbox: &Sandbox, redis_url: &str) -> FlowPayroll {
    let mut policy = fleet_policy();
    policy.timeout = Duration::from_millis(200);
    sandbox
        .client_builder()
        .fleet_policy(policy)
        .redis_url(redis_url)
        .build()
        .unwrap()
}

/// Two members each make 3 calls: each mints once, locally, and no call fails.
async fn two_members_mint_locally(redis_url: &str) -> Vec<flowpayroll::fleet::FleetStatus> {
    let sandbox = Sandbox::start().await.unwrap();
    let members = [member(&sandbox, redis_url), member(&sandbox, redis_url)];
    for member in &members {
        for _ in 0..3 {
            member.management().tokens().await.unwrap();
        }
    }
    assert_eq!(sandbox.token_requests(), 2);
    assert_eq!(sandbox.api_requests(Operation::ListTokens), 6);
    members
        .iter()
        .map(|m| {
            let status = m.token_status();
            assert_eq!(status.tokens_minted, 1);
            let fleet = status.fleet.unwrap();
            assert_eq!(fleet.state, FleetState::Unavailable);
            assert_eq!(fleet.local_mints, 1);
            fleet
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_listening_means_local_mints_and_the_password_stays_out_of_reasons() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = format!("redis://:pa55-never-shown@127.0.0.1:{port}");
    for status in two_members_mint_locally(&url).await {
        let reason = status.reason.unwrap();
        assert!(!reason.contains("pa55"), "{reason}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_that_never_answers_is_cut_off_by_the_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("redis://{}", listener.local_addr().unwrap());
    let mut held = Vec::new();
    let server = tokio::spawn(async move {
        // Accept and keep every connection, never answering.
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    for status in two_members_mint_locally(&url).await {
        let reason = status.reason.unwrap();
        assert!(reason.contains("no answer within 200 ms"), "{reason}");
    }
    server.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_that_answers_garbage_is_not_trusted() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("redis://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buffer = [0u8; 1024];
                while socket.read(&mut buffer).await.is_ok_and(|n| n > 0) {
                    let garbage = b"HTTP/1.1 400 Bad Request\r\n\r\n\x00\xff";
                    if socket.write_all(garbage).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    two_members_mint_locally(&url).await;
    server.abort();
}
