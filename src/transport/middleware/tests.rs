use std::time::Duration;

use super::failure::{stack_error, StackError, MESSAGE_LIMIT};

#[test]
fn a_layer_message_is_masked_escaped_and_bounded() {
    let error = StackError::layer("saw sekret-0001 in \u{1b}[31m", &["sekret-0001"]);
    let StackError::Layer(message) = &error else {
        panic!("{error:?}")
    };
    assert!(!message.contains("sekret-0001"), "{message}");
    assert!(message.contains("\\u{1b}"), "{message}");
    let long = "é".repeat(MESSAGE_LIMIT);
    let StackError::Layer(message) = StackError::layer(&long, &[]) else {
        unreachable!()
    };
    assert_eq!(message.len(), MESSAGE_LIMIT);
}

#[tokio::test]
async fn a_stack_error_survives_the_trip_through_a_reqwest_error() {
    for error in [
        StackError::Panicked,
        StackError::TimedOut(Duration::from_millis(1500)),
        StackError::Layer("no".to_owned()),
    ] {
        let carried = error.clone().into_reqwest().await;
        assert_eq!(stack_error(&carried), Some(&error));
    }
}
