//! The example web app (`examples/connect_web.rs`) against the embedded sandbox, as a
//! browser would use it: `start` redirects to the sign-in page and sets the cookie, the
//! page is answered, `callback` completes with the cookie and the connection is listed.
//! A callback without the cookie (another browser: login CSRF) or replayed after it is
//! refused, and nothing more is exchanged.

#[allow(dead_code, unreachable_pub)]
#[path = "../examples/connect_web.rs"]
mod example;

use std::sync::Arc;

use flowpayroll::sandbox::{Sandbox, SignInAnswer};
use flowpayroll::types::Provider;
use url::Url;

#[tokio::test]
async fn the_two_handlers_connect_an_employer_for_the_browser_that_started() {
    let sandbox = Sandbox::start().await.unwrap();
    let fp = sandbox.client_builder().build().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = Arc::new(example::App {
        connect: fp.connect(),
        redirect_uri: format!("http://{address}/callback"),
    });
    tokio::spawn(async move { axum::serve(listener, example::router(app)).await.unwrap() });
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    let started = browser
        .get(format!("http://{address}/connect"))
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), 303);
    let link = Url::parse(started.headers()["location"].to_str().unwrap()).unwrap();
    assert_eq!(link.origin(), sandbox.sign_in_url().origin());
    let cookie = started.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
    let cookie = cookie.split(';').next().unwrap().to_owned();

    let answer = SignInAnswer::Allow {
        provider: Provider::from("breathe"),
    };
    let callback = sandbox.answer_sign_in(&link, answer).await.unwrap();
    assert!(callback
        .as_str()
        .starts_with(&format!("http://{address}/callback?")));

    // Another browser (no cookie) brought to this callback: refused, nothing exchanged.
    let forged = browser.get(callback.clone()).send().await.unwrap();
    assert_eq!(forged.status(), 400);
    assert!(forged
        .text()
        .await
        .unwrap()
        .contains("No sign-in was started in this browser"));
    assert_eq!(sandbox.tokens_issued(), 0);

    let done = browser
        .get(callback.clone())
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 200);
    assert!(done.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    let page = done.text().await.unwrap();
    assert!(page.contains("Connected: breathe (official)"), "{page}");
    // The client's own token and the connection.
    assert_eq!(sandbox.tokens_issued(), 2);
    let listed = fp.management().tokens().await.unwrap();
    assert_eq!(
        listed
            .iter()
            .filter(|t| t.provider.as_str() == "breathe")
            .count(),
        1
    );

    // The same callback and cookie again (a replay): the code is spent, 409, no token.
    let again = browser
        .get(callback)
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 400);
    assert!(again.text().await.unwrap().contains("409"));
    assert_eq!(sandbox.tokens_issued(), 2);
}
