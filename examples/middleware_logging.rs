//! A logging middleware layer: one line per request the client sends (the token
//! request included), with its operation, method, URL, status and duration.
//! `cargo run --example middleware_logging` runs it against the embedded sandbox.
//!
//! The layer never sees the credentials: the client attaches them under every layer,
//! so logging the whole request is safe.

// The example measures a request's duration on the real clock.
#![allow(clippy::disallowed_methods)]

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use flowpayroll::deps::tower::{Layer, Service};
use flowpayroll::middleware::{BoxError, HttpRequest, HttpResponse};
use flowpayroll::operation::Operation;
use flowpayroll::sandbox::Sandbox;

/// Logs each request through [`Logged`].
#[derive(Clone, Copy, Debug)]
struct LogLayer;

impl<S> Layer<S> for LogLayer {
    type Service = Logged<S>;

    fn layer(&self, inner: S) -> Logged<S> {
        Logged { inner }
    }
}

/// The service [`LogLayer`] makes: `inner` with a line per request.
#[derive(Clone, Debug)]
struct Logged<S> {
    inner: S,
}

impl<S> Service<HttpRequest> for Logged<S>
where
    S: Service<HttpRequest, Response = HttpResponse, Error = BoxError>,
    S::Future: Send + 'static,
{
    type Response = HttpResponse;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: HttpRequest) -> Self::Future {
        let operation = request
            .extensions()
            .get::<Operation>()
            .map_or("-", |operation| operation.id());
        let line = format!("{operation} {} {}", request.method(), request.uri());
        let started = Instant::now();
        let answer = self.inner.call(request);
        Box::pin(async move {
            let answer = answer.await;
            let took = started.elapsed();
            match &answer {
                Ok(response) => println!("{line} -> {} in {took:.1?}", response.status()),
                Err(error) => println!("{line} -> failed in {took:.1?}: {error}"),
            }
            answer
        })
    }
}

#[tokio::main]
async fn main() -> Result<(), flowpayroll::Error> {
    let sandbox = Sandbox::start().await?;
    let fp = sandbox.client_builder().layer(LogLayer).build()?;
    let providers = fp.providers().await?;
    let tokens = fp.management().tokens().await?;
    println!(
        "{} provider groups, {} token(s); the token request was logged first",
        providers.len(),
        tokens.len()
    );
    Ok(())
}
