//! The fix: one call to `flowpayroll::install_ring_provider` early in `main`, and the
//! application's own reqwest client works beside the flowpayroll client on ring.

use flowpayroll::sandbox::Sandbox;
use ring_app::own_client_call;

#[tokio::test]
async fn the_applications_own_client_works_after_the_call() {
    assert!(
        flowpayroll::install_ring_provider(),
        "the first call installs ring"
    );
    assert!(
        !flowpayroll::install_ring_provider(),
        "a second call changes nothing"
    );

    let sandbox = Sandbox::start().await.unwrap();
    // The flowpayroll client mints a token through its own ring configuration.
    let fp = sandbox.client_builder().build().unwrap();
    fp.authenticate().await.unwrap();
    // The application's own client, built after the call, makes its request.
    let own = reqwest::Client::new();
    assert_eq!(own_client_call(&own, &sandbox).await, (200, Some(1)));
    let builder_made = reqwest::Client::builder().build().unwrap();
    assert_eq!(
        own_client_call(&builder_made, &sandbox).await,
        (200, Some(1))
    );
    sandbox.shutdown().await;
}
