//! The problem, as a user meets it: with flowpayroll on ring, the application's own
//! reqwest client panics when it is built, because Cargo turned on reqwest's
//! `rustls-no-provider` for it and no process-wide provider is installed. If reqwest
//! ever stops panicking here, this test fails: the documented call may then go.

#[test]
fn the_applications_own_client_panics_without_a_provider() {
    let panic = std::panic::catch_unwind(reqwest::Client::new).expect_err("it panics");
    let message = panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default();
    assert!(
        message.starts_with("No rustls crypto provider is configured"),
        "{message}"
    );
}
