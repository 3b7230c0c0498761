//! [`Operation`]: the operations of `openapi/flowpayroll.yaml`, one variant per
//! `operationId`, with the method and path the spec gives each. `build.rs` generates the
//! enum from the spec (`build/operations.rs`, included by `crate::generated::model`);
//! nothing of it is written by hand.
//!
//! ```
//! use flowpayroll::operation::Operation;
//!
//! assert_eq!(Operation::ListTokens.id(), "list_tokens");
//! assert_eq!(Operation::ListTokens.method(), "GET");
//! assert_eq!(Operation::ListTokens.path(), "/2023-03-01/management/tokens");
//! assert_eq!(Operation::from_id("list_tokens"), Some(Operation::ListTokens));
//! assert_eq!(Operation::from_id("list_token"), None);
//! ```

pub use crate::generated::model::{Operation, DOCUMENTED_ERRORS};
