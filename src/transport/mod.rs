//! The HTTP layer: the `reqwest` client and its settings ([`http_client`]), TLS
//! ([`tls`]), bounded bodies ([`body`]) and the headers each request carries
//! ([`context`]: [`RequestContext`](context::RequestContext), the `User-Id` rule); the
//! connect timeout that names the step it stalled in ([`connect_watch`]); the error of a
//! request that got no whole response ([`failure`]); the application's middleware
//! layers around every request ([`middleware`]); the origin check that keeps
//! credentials where they belong ([`origin`]).

pub(crate) mod body;
pub(crate) mod connect_watch;
pub(crate) mod context;
pub(crate) mod failure;
pub(crate) mod http_client;
pub(crate) mod middleware;
pub(crate) mod origin;
pub(crate) mod tls;
