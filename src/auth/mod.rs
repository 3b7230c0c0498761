//! Access tokens: requesting one ([`token`]), minting with retries ([`mint`]), where the
//! cache gets its tokens ([`source`]), caching and refreshing them ([`cache`]), and the
//! clock all of it runs on ([`clock`]).

pub(crate) mod cache;
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub mod clock;
pub(crate) mod mint;
pub(crate) mod source;
pub(crate) mod token;

pub use cache::TokenStatus;
pub use source::TokenOrigin;
pub use token::{TokenId, DEFAULT_LIFETIME, MAX_LIFETIME};
