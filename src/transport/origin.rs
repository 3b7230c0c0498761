//! Whether a URL is of an origin: the check that keeps credentials on the origin they
//! were configured for (a call's token, the token request's secret).

use url::{Host, Origin};

/// Whether `origin == url.origin()`, without building the URL's origin (two strings).
pub(crate) fn is_origin_of(origin: &Origin, url: &url::Url) -> bool {
    let Origin::Tuple(scheme, host, port) = origin else {
        // An opaque origin is equal to no URL's (each has one of its own).
        return false;
    };
    let host = match host {
        Host::Domain(domain) => Host::Domain(domain.as_str()),
        Host::Ipv4(address) => Host::Ipv4(*address),
        Host::Ipv6(address) => Host::Ipv6(*address),
    };
    // Only the schemes whose origin is a tuple are in one: a `blob:` URL, whose origin
    // is its inner URL's, matches none.
    url.scheme() == scheme && url.host() == Some(host) && url.port_or_known_default() == Some(*port)
}
