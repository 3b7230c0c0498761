//! JSON pointers (RFC 6901) and their form inside a URI fragment (RFC 3986), so any
//! key a document holds (`{id}`, `application/json; charset=utf-8`, spaces, `%`) can be
//! referred to.

/// Escapes one pointer segment.
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Percent-encodes a pointer for use as a URI fragment: everything but unreserved
/// characters, sub-delimiters, `:`, `@` and `/` is encoded, byte by byte.
pub fn to_fragment(pointer: &str) -> String {
    let mut out = String::with_capacity(pointer.len());
    for byte in pointer.bytes() {
        let keep = byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/".contains(&byte);
        if keep {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Decodes a URI fragment back to a pointer. Invalid escapes are kept as written;
/// bytes that are not UTF-8 are replaced.
pub fn from_fragment(fragment: &str) -> String {
    let bytes = fragment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
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
    fn local_targets_are_decoded() {
        assert_eq!(
            local_target("#/components/schemas/A%20B").as_deref(),
            Some("/components/schemas/A B")
        );
        assert_eq!(local_target("other.yaml#/x"), None);
        assert_eq!(from_fragment("%zz%4"), "%zz%4");
    }
}
