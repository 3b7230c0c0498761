//! The middleware seam (`FlowPayrollBuilder::layer`): layers see every request with
//! its operation and never the credentials; a layer that adds a header is heard by the
//! sandbox; one that panics, one that never calls the next layer and one that sends the
//! request to another host each end in a clear error, with no secret in it and none
//! sent anywhere.

use std::future::pending;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use flowpayroll::middleware::{HttpRequest, Inner};
use flowpayroll::operation::Operation;
use flowpayroll::sandbox::Sandbox;
use flowpayroll::{Error, Limit, TokenAuthMethod};
use tokio::io::AsyncReadExt as _;
use tower::layer::layer_fn;
use tower::util::MapRequestLayer;
use tower::ServiceExt as _;

/// A layer that runs `before` on each request, then passes it on.
fn inspect(
    before: impl Fn(&mut HttpRequest) + Clone + Send + Sync + 'static,
) -> MapRequestLayer<impl Fn(HttpRequest) -> HttpRequest + Clone + Send + Sync + 'static> {
    MapRequestLayer::new(move |mut request: HttpRequest| {
        before(&mut request);
        request
    })
}

/// A loopback server that records every byte anyone sends it, and never answers.
async fn listening_post() -> (String, Arc<Mutex<Vec<u8>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let heard = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&heard);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let record = Arc::clone(&record);
            tokio::spawn(async move {
                let mut buffer = [0; 4096];
                while let Ok(read @ 1..) = stream.read(&mut buffer).await {
                    record.lock().unwrap().extend_from_slice(&buffer[..read]);
                }
            });
        }
    });
    (format!("http://{address}"), heard)
}

#[tokio::test]
async fn layers_see_every_request_with_its_operation_and_never_the_credentials() {
    let sandbox = Sandbox::start().await.unwrap();
    let secret = sandbox.client_secret().expose_secret().to_owned();
    for method in [
        TokenAuthMethod::ClientSecretPost,
        TokenAuthMethod::ClientSecretBasic,
    ] {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        let fp = sandbox
            .client_builder()
            .token_auth(method)
            .layer(inspect(move |request| {
                let operation = *request.extensions().get::<Operation>().unwrap();
                let headers = format!("{:?}", request.headers());
                let body = request
                    .body()
                    .as_bytes()
                    .map(|b| String::from_utf8_lossy(b).into_owned());
                log.lock().unwrap().push((operation, headers, body));
            }))
            .build()
            .unwrap();
        fp.management().tokens().await.unwrap();
        let token = fp.access_token().await.unwrap();
        let seen = seen.lock().unwrap();
        let operations: Vec<Operation> = seen.iter().map(|(op, _, _)| *op).collect();
        assert_eq!(
            operations,
            [Operation::RequestToken, Operation::ListTokens],
            "{method:?}"
        );
        for (operation, headers, body) in seen.iter() {
            let all = format!("{headers} {body:?}");
            assert!(!all.contains(&secret), "{operation}: {all}");
            assert!(!all.contains(token.expose_secret()), "{operation}: {all}");
            assert!(!all.to_ascii_lowercase().contains("authorization"), "{all}");
            assert!(!all.contains("x-auth-token"), "{all}");
        }
        // The token request's body as the layer saw it: the grant, no credentials.
        assert_eq!(seen[0].2.as_deref(), Some("grant_type=client_credentials"));
    }
    assert_eq!(sandbox.token_requests(), 2);
    assert_eq!(sandbox.api_requests(Operation::ListTokens), 2);
}

#[tokio::test]
async fn a_header_a_layer_adds_reaches_the_sandbox() {
    let sandbox = Sandbox::start().await.unwrap();
    let fp = sandbox
        .client_builder()
        .layer(inspect(|request| {
            request
                .headers_mut()
                .insert("user-id", "u-from-a-layer".parse().unwrap());
        }))
        .build()
        .unwrap();
    fp.management().tokens().await.unwrap();
    // The token request's and the call's: the layer wraps both.
    assert_eq!(
        sandbox.user_ids_seen(),
        ["u-from-a-layer", "u-from-a-layer"]
    );
}

#[tokio::test]
async fn a_panicking_layer_is_an_error_of_the_call_and_the_client_goes_on() {
    let sandbox = Sandbox::start().await.unwrap();
    let secret = sandbox.client_secret().expose_secret().to_owned();
    let fp = sandbox
        .client_builder()
        .layer(inspect(move |request| {
            if request.extensions().get::<Operation>() == Some(&Operation::ListTokens) {
                let headers = format!("{:?}", request.headers());
                panic!("layer panicked with {headers}");
            }
        }))
        .build()
        .unwrap();
    let token = fp.access_token().await.unwrap();
    for _ in 0..2 {
        let error = fp.management().tokens().await.unwrap_err();
        assert!(
            matches!(
                &error,
                Error::Middleware {
                    operation: Operation::ListTokens,
                    message,
                } if message.contains("panicked")
            ),
            "{error:?}"
        );
        let text = format!("{error} {error:?} {}", error.action());
        assert!(!text.contains(&secret), "{text}");
        assert!(!text.contains(token.expose_secret()), "{text}");
    }
    // Nothing reached the sandbox, and the client still works for other operations.
    assert_eq!(sandbox.api_requests(Operation::ListTokens), 0);
    assert!(!fp.providers().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_panic_in_the_token_request_fails_the_mint_with_the_same_error() {
    let sandbox = Sandbox::start().await.unwrap();
    let fp = sandbox
        .client_builder()
        .layer(inspect(|request| {
            if request.extensions().get::<Operation>() == Some(&Operation::RequestToken) {
                panic!("no tokens today");
            }
        }))
        .build()
        .unwrap();
    let error = fp.authenticate().await.unwrap_err();
    assert!(
        matches!(
            &error,
            Error::Middleware {
                operation: Operation::RequestToken,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(sandbox.token_requests(), 0);
}

#[tokio::test]
async fn a_layer_error_is_masked_of_the_secrets() {
    let sandbox = Sandbox::start().await.unwrap();
    let secret = sandbox.client_secret().expose_secret().to_owned();
    let leaked = secret.clone();
    let fp = sandbox
        .client_builder()
        .layer(layer_fn(move |inner: Inner| {
            let leaked = leaked.clone();
            tower::service_fn(move |request: HttpRequest| {
                let (inner, leaked) = (inner.clone(), leaked.clone());
                async move {
                    if request.extensions().get::<Operation>() == Some(&Operation::ListTokens) {
                        return Err(format!("refusing, secret is {leaked}\u{1b}[2J").into());
                    }
                    inner.oneshot(request).await
                }
            })
        }))
        .build()
        .unwrap();
    let error = fp.management().tokens().await.unwrap_err();
    let Error::Middleware { message, .. } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(message, "refusing, secret is [redacted]\\u{1b}[2J");
    assert!(!format!("{error:?}").contains(&secret));
}

#[tokio::test]
async fn a_layer_that_never_calls_the_next_one_is_ended_by_the_request_timeout() {
    let sandbox = Sandbox::start().await.unwrap();
    let fp = sandbox
        .client_builder()
        .timeout(Duration::from_secs(7))
        .layer(layer_fn(|inner: Inner| {
            tower::service_fn(move |request: HttpRequest| {
                let inner = inner.clone();
                async move {
                    if request.extensions().get::<Operation>() != Some(&Operation::RequestToken) {
                        pending::<()>().await;
                    }
                    inner.oneshot(request).await
                }
            })
        }))
        .build()
        .unwrap();
    fp.authenticate().await.unwrap();
    // Nothing is in flight now: the paused clock jumps to the next timer.
    tokio::time::pause();
    let error = fp.management().tokens().await.unwrap_err();
    assert!(
        matches!(
            &error,
            Error::Timeout {
                operation: Operation::ListTokens,
                after,
                limit: Limit::Request,
                phase: None,
                ..
            } if *after == Duration::from_secs(7)
        ),
        "{error:?}"
    );
    assert_eq!(sandbox.api_requests(Operation::ListTokens), 0);
}

#[tokio::test(start_paused = true)]
async fn a_token_request_that_a_layer_holds_is_ended_by_the_token_timeout() {
    let fp = flowpayroll::FlowPayroll::builder()
        .credentials("id-1", "secret-that-stays-home")
        .token_url("http://127.0.0.1:9/token")
        .api_url("http://127.0.0.1:9")
        .token_timeout(Duration::from_secs(3))
        .layer(layer_fn(|_inner: Inner| {
            tower::service_fn(|_request: HttpRequest| async {
                pending::<Result<flowpayroll::middleware::HttpResponse, std::io::Error>>().await
            })
        }))
        .build()
        .unwrap();
    let error = fp.authenticate().await.unwrap_err();
    assert!(
        matches!(
            &error,
            Error::Timeout {
                operation: Operation::RequestToken,
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_layer_that_sends_the_request_elsewhere_sends_no_secret() {
    let sandbox = Sandbox::start().await.unwrap();
    let (elsewhere, heard) = listening_post().await;
    let secret = sandbox.client_secret().expose_secret().to_owned();
    for (method, moved) in [
        (TokenAuthMethod::ClientSecretPost, Operation::RequestToken),
        (TokenAuthMethod::ClientSecretBasic, Operation::RequestToken),
        (TokenAuthMethod::ClientSecretPost, Operation::ListTokens),
    ] {
        let target = elsewhere.clone();
        let fp = sandbox
            .client_builder()
            .token_auth(method)
            .layer(inspect(move |request| {
                if request.extensions().get::<Operation>() == Some(&moved) {
                    let path = request.uri().path_and_query().unwrap().as_str().to_owned();
                    *request.uri_mut() = format!("{target}{path}").parse().unwrap();
                }
            }))
            .build()
            .unwrap();
        let error = fp.management().tokens().await.unwrap_err();
        assert!(
            matches!(
                &error,
                Error::InvalidRequest {
                    operation: Some(operation),
                    message,
                } if *operation == moved && message.contains(&elsewhere)
                    && message.contains("nothing was sent")
            ),
            "{error:?}"
        );
        let text = format!("{error} {error:?}");
        assert!(!text.contains(&secret), "{text}");
    }
    // Give a stray connection time to deliver anything it carried.
    tokio::task::yield_now().await;
    assert_eq!(heard.lock().unwrap().len(), 0);
    // The token was minted for the third client only, and went nowhere but the sandbox.
    assert_eq!(sandbox.tokens_issued(), 1);
    assert_eq!(sandbox.api_requests(Operation::ListTokens), 0);
}
