//! Access tokens: requesting one ([`token`]), minting with retries ([`mint`]), where the
//! cache gets its tokens ([`source`]), and caching and refreshing them ([`cache`]).

pub(crate) mod cache;
pub(crate) mod mint;
pub(crate) mod source;
pub(crate) mod token;
