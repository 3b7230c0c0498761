//! YAML 1.1 portability: plain scalars that a YAML 1.1 parser (still common in
//! tooling) reads as something other than what YAML 1.2, and so OpenAPI 3.0, says.

/// What differs for the plain scalar `text`, worded as the rest of a sentence that
/// starts "plain `text` ", or `None` when both versions agree.
pub fn differs(text: &str) -> Option<String> {
    const BOOLEANS: [&str; 16] = [
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off",
        "OFF",
    ];
    let bytes = text.as_bytes();
    if BOOLEANS.contains(&text) {
        return Some("is a string in YAML 1.2 but a boolean to YAML 1.1 parsers; quote it".into());
    }
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let ub = unsigned.as_bytes();
    if ub.len() > 1 && ub[0] == b'0' && ub.iter().all(u8::is_ascii_digit) {
        let decimal = unsigned.trim_start_matches('0');
        let decimal = if decimal.is_empty() { "0" } else { decimal };
        if ub.iter().all(|b| (b'0'..=b'7').contains(b)) {
            let octal = u128::from_str_radix(unsigned, 8).ok()?;
            if octal.to_string() == decimal {
                return Some(format!(
                    "is the integer {decimal} in YAML 1.2 and octal {decimal} to YAML 1.1 parsers; write {decimal} or quote it"
                ));
            }
            return Some(format!(
                "is the integer {decimal} in YAML 1.2 but octal ({octal}) to YAML 1.1 parsers; write {decimal}, or quote it if it is a string"
            ));
        }
        return Some(format!(
            "is the integer {decimal} in YAML 1.2 but the string \"{unsigned}\" to YAML 1.1 parsers (8 and 9 are not octal digits); write {decimal}, or quote it if it is a string"
        ));
    }
    let is_date = bytes.len() >= 10
        && bytes[..4].iter().all(u8::is_ascii_digit)
        && bytes[4] == b'-'
        && bytes[5..7].iter().all(u8::is_ascii_digit)
        && bytes[7] == b'-'
        && bytes[8..10].iter().all(u8::is_ascii_digit);
    if is_date {
        return Some(
            "is a string in YAML 1.2 but a timestamp to YAML 1.1 parsers; quote it".into(),
        );
    }
    let sexagesimal = text.contains(':')
        && text
            .split(':')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()));
    if sexagesimal {
        return Some(
            "is a string in YAML 1.2 but a base-60 number to YAML 1.1 parsers; quote it".into(),
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::differs;

    #[test]
    fn leading_zeros_are_worded_by_what_each_version_reads() {
        assert!(differs("090")
            .unwrap()
            .contains("the string \"090\" to YAML 1.1"));
        assert!(differs("007")
            .unwrap()
            .contains("integer 7 in YAML 1.2 and octal 7"));
        assert!(differs("010").unwrap().contains("octal (8)"));
        assert!(differs("0").is_none());
        assert!(differs("10").is_none());
        assert!(differs("0123456701234567012345670123456701234567012345670123").is_none());
    }

    #[test]
    fn booleans_dates_and_base_60() {
        assert!(differs("on").unwrap().contains("boolean"));
        assert!(differs("2023-03-01").unwrap().contains("timestamp"));
        assert!(differs("1:30").unwrap().contains("base-60"));
        assert!(differs("true").is_none());
        assert!(differs("hello").is_none());
    }
}
