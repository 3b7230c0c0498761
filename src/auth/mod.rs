//! Access tokens: requesting them ([`token`]), caching and refreshing them ([`cache`]),
//! and the clock both run on ([`clock`]).

pub(crate) mod cache;
pub mod clock;
pub(crate) mod token;

pub use cache::TokenStatus;
pub use token::{TokenId, DEFAULT_LIFETIME, MAX_LIFETIME};
