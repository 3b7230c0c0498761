//! JSON pointers (RFC 6901) and their form inside a URI fragment (RFC 3986), so any
//! key a document holds (`{id}`, `application/json; charset=utf-8`, spaces, `%`) can be
//! referred to.

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Escapes one pointer segment.
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// What a fragment keeps as written: unreserved characters, sub-delimiters, `:`, `@`
/// and `/` (RFC 3986's `fragment`, less `?`, which no pointer needs); the rest of ASCII
/// and every non-ASCII byte is percent-encoded.
const FRAGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'!')
    .remove(b'$')
    .remove(b'&')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b',')
    .remove(b';')
    .remove(b'=')
    .remove(b':')
    .remove(b'@')
    .remove(b'/');

/// Percent-encodes a pointer for use as a URI fragment, byte by byte.
pub fn to_fragment(pointer: &str) -> String {
    utf8_percent_encode(pointer, FRAGMENT).to_string()
}

/// Decodes a URI fragment back to a pointer. Invalid escapes are kept as written;
/// bytes that are not UTF-8 are replaced.
pub fn from_fragment(fragment: &str) -> String {
    percent_decode_str(fragment)
        .decode_utf8_lossy()
        .into_owned()
}

/// The target of a local `$ref` (`#/components/schemas/Pet`) as a pointer, percent-
/// decoded; `None` for a reference to another document.
pub fn local_target(reference: &str) -> Option<String> {
    reference.strip_prefix('#').map(from_fragment)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_key_survives_the_fragment_round_trip() {
        let keys = [
            "/paths/~1users~1{id}/get",
            "/content/application~1json; charset=utf-8",
            "/properties/first name/%41/ü/#/\"q\"/[x]/`^|\\",
        ];
        for key in keys {
            let fragment = to_fragment(key);
            assert!(fragment.bytes().all(|b| b.is_ascii_graphic()), "{fragment}");
            assert!(!fragment.contains(['{', ' ', '#', '"', '[', '^', '|', '\\', '`']));
            assert_eq!(from_fragment(&fragment), key);
        }
    }

    #[test]
    fn fragments_encode_exactly_what_rfc_3986_does_not_allow() {
        assert_eq!(
            to_fragment("/a b/%/{x}/ü/ok-._~!$&'()*+,;=:@"),
            "/a%20b/%25/%7Bx%7D/%C3%BC/ok-._~!$&'()*+,;=:@"
        );
        // Invalid escapes stay as written; bytes that are not UTF-8 are replaced.
        assert_eq!(from_fragment("/%zz/%4/%41%"), "/%zz/%4/A%");
        assert_eq!(from_fragment("/%FF"), "/\u{fffd}");
    }

    #[test]
    fn local_targets_are_decoded() {
        assert_eq!(
            local_target("#/components/schemas/A%20B").as_deref(),
            Some("/components/schemas/A B")
        );
        assert_eq!(local_target("other.yaml#/x"), None);
        assert_eq!(from_fragment("%zz%4"), "%zz%4");
    }
}
