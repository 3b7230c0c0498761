//! Plain YAML scalars by the YAML 1.2 core schema (as OpenAPI 3.0 requires): which text
//! is null, a boolean, an integer or a float, and which is a string.

use serde_json::{Number, Value};

/// A plain scalar by the YAML 1.2 core schema; `None` for a string.
pub fn resolve(text: &str) -> Option<Value> {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Some(Value::Null),
        "true" | "True" | "TRUE" => return Some(Value::Bool(true)),
        "false" | "False" | "FALSE" => return Some(Value::Bool(false)),
        _ => {}
    }
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    if !unsigned.is_empty() && unsigned.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(n) = text.parse::<i64>() {
            return Some(Value::Number(n.into()));
        }
        if let Ok(n) = text.trim_start_matches('+').parse::<u64>() {
            return Some(Value::Number(n.into()));
        }
        return text
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map(Value::Number);
    }
    for (prefix, radix) in [("0o", 8), ("0x", 16)] {
        if let Some(digits) = text.strip_prefix(prefix) {
            return u64::from_str_radix(digits, radix)
                .ok()
                .filter(|_| !digits.starts_with(['+', '-']))
                .map(|n| Value::Number(n.into()));
        }
    }
    if is_core_float(unsigned) {
        return text
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map(Value::Number);
    }
    None
}

/// `(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?` (the sign already removed).
fn is_core_float(text: &str) -> bool {
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(at) => (&text[..at], Some(&text[at + 1..])),
        None => (text, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", fraction)) => digits(fraction),
        Some((whole, fraction)) => digits(whole) && (fraction.is_empty() || digits(fraction)),
        None => digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e)));
    mantissa_ok && exponent_ok
}

#[cfg(test)]
mod tests {
    use super::super::load::load;
    use serde_json::json;

    #[test]
    fn plain_scalars_follow_the_yaml_1_2_core_schema() {
        let loaded = load("a: 090\nb: 007\nc: yes\nd: 2023-03-01\ne: '090'\nf: 1.5e3\ng: ~\nh: 0x1F\ni: True\nj: 1:30\n").unwrap();
        assert_eq!(
            loaded.value,
            json!({"a": 90, "b": 7, "c": "yes", "d": "2023-03-01", "e": "090", "f": 1500.0,
                   "g": null, "h": 31, "i": true, "j": "1:30"})
        );
        let flagged: Vec<&str> = loaded.portability.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(flagged, ["/a", "/b", "/c", "/d", "/j"]);
    }
}
