//! Access tokens: requesting one ([`token`]), minting with retries ([`mint`]), where the
//! cache gets its tokens ([`source`]), caching and refreshing them ([`cache`]), and what
//! a fleet member reports into the token status ([`fleet_status`]).

pub(crate) mod cache;
#[cfg(feature = "redis")]
pub(crate) mod fleet_status;
pub(crate) mod mint;
pub(crate) mod source;
pub(crate) mod token;
