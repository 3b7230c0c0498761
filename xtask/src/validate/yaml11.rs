//! YAML 1.1 portability: plain scalars that a YAML 1.1 parser (still common in
//! tooling) reads as something other than what YAML 1.2, and so OpenAPI 3.0, says.

/// What differs for the plain scalar `text`, worded as the rest of a sentence that
/// starts "plain `text` ", or `None` when both versions agree.
pub fn differs(text: &str) -> Option<String> {
    const BOOLEANS: [&str; 16] = [
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off",
        "OFF",
    ];
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
    let is_date = is_timestamp(text);
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

/// YAML 1.1's timestamp: `YYYY-MM-DD`, or `YYYY-M-D` with a time
/// (`[Tt]` or spaces, `H:MM:SS`, optional fraction and zone).
fn is_timestamp(text: &str) -> bool {
    let b = text.as_bytes();
    let digits = |from: usize, to: usize| {
        b.get(from..to)
            .is_some_and(|s| s.iter().all(u8::is_ascii_digit))
    };
    if b.len() == 10
        && digits(0, 4)
        && b[4] == b'-'
        && digits(5, 7)
        && b[7] == b'-'
        && digits(8, 10)
    {
        return true;
    }
    // YYYY-M?M-D?D
    let Some(rest) = text.get(4..).filter(|_| digits(0, 4)) else {
        return false;
    };
    let number = |s: &str| -> Option<usize> {
        let n = s.bytes().take_while(u8::is_ascii_digit).count();
        (1..=2).contains(&n).then_some(n)
    };
    let Some(rest) = rest.strip_prefix('-') else {
        return false;
    };
    let Some(rest) = number(rest)
        .map(|n| &rest[n..])
        .and_then(|r| r.strip_prefix('-'))
    else {
        return false;
    };
    let Some(rest) = number(rest).map(|n| &rest[n..]) else {
        return false;
    };
    let rest = match rest.strip_prefix(['T', 't']) {
        Some(rest) => rest,
        None if rest.starts_with([' ', '\t']) => rest.trim_start_matches([' ', '\t']),
        None => return false,
    };
    let Some(hour) = number(rest) else {
        return false;
    };
    let rest = &rest[hour..];
    let clock = rest.as_bytes();
    if clock.len() < 6 || clock[0] != b':' || clock[3] != b':' {
        return false;
    }
    let two = |s: &[u8]| s.len() == 2 && s.iter().all(u8::is_ascii_digit);
    if !two(&clock[1..3]) || !two(&clock[4..6]) {
        return false;
    }
    let mut rest = &rest[6..];
    if let Some(fraction) = rest.strip_prefix('.') {
        rest = fraction.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    let zone = rest.trim_start_matches([' ', '\t']);
    if zone.is_empty() || zone == "Z" {
        return true;
    }
    let Some(offset) = zone.strip_prefix(['+', '-']) else {
        return false;
    };
    let Some(n) = number(offset) else {
        return false;
    };
    let minutes = &offset[n..];
    minutes.is_empty() || minutes.strip_prefix(':').is_some_and(|m| two(m.as_bytes()))
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
        for timestamp in [
            "2023-03-01",
            "2020-08-24T20:16:14.6198711",
            "2001-12-14t21:59:43.10-05:00",
            "2001-12-14 21:59:43.10 -5",
            "2001-1-4T1:59:43Z",
        ] {
            assert!(
                differs(timestamp).unwrap().contains("timestamp"),
                "{timestamp}"
            );
        }
        for not in [
            "2023-03-01 hello",
            "2023-03-01T",
            "2023-03-01T10:00",
            "20230301",
            "2023-03-01T10:00:00+0100x",
        ] {
            assert!(differs(not).is_none(), "{not}");
        }
        assert!(differs("1:30").unwrap().contains("base-60"));
        assert!(differs("true").is_none());
        assert!(differs("hello").is_none());
    }
}
