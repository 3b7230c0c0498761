//! `docs/errors.md` lists every error a user can see: each variant of `Error`, and each
//! reason of `TransportCause`, `TlsProblem`, `CertificateProblem`, `ProxyProblem`,
//! `Limit` and `Phase`, read from the source here, has a row (the unit tests of `error` check that
//! each row's action is the one `Error::action` gives).

/// The variant names of `pub enum NAME` in `source`.
fn variants(source: &str, name: &str) -> Vec<String> {
    let start = source
        .find(&format!("pub enum {name} {{"))
        .unwrap_or_else(|| panic!("no enum {name}"));
    let body = &source[start..];
    let end = body.find("\n}").expect("the enum's end");
    body[..end]
        .lines()
        .skip(1)
        .filter_map(|line| {
            let rest = line.strip_prefix("    ")?;
            let first = rest.chars().next()?;
            if !first.is_ascii_uppercase() {
                return None;
            }
            let name: String = rest
                .chars()
                .take_while(char::is_ascii_alphanumeric)
                .collect();
            Some(name)
        })
        .collect()
}

#[test]
fn every_error_and_cause_has_a_row() {
    let doc = include_str!("../docs/errors.md");
    let error = include_str!("../src/error/mod.rs");
    let cause = include_str!("../src/error/cause.rs");
    let connect = include_str!("../src/error/connect.rs");
    let mut checked = 0;
    for (source, name) in [
        (error, "Error"),
        (cause, "TransportCause"),
        (cause, "TlsProblem"),
        (cause, "CertificateProblem"),
        (cause, "ProxyProblem"),
        (cause, "Limit"),
        (cause, "Phase"),
        (connect, "ConnectError"),
    ] {
        let found = variants(source, name);
        assert!(found.len() >= 3, "{name}: {found:?}");
        for variant in found {
            let path = format!("`{name}::{variant}");
            let ends = [format!("{name}::{variant}`"), format!("{name}::{variant})")];
            let row = doc.lines().any(|line| {
                line.starts_with("| ")
                    && (line.contains(&path) || ends.iter().any(|end| line.contains(end.as_str())))
            });
            assert!(row, "docs/errors.md has no row for {name}::{variant}");
            checked += 1;
        }
    }
    // Error 14, TransportCause 9, TlsProblem 6, CertificateProblem 7, ProxyProblem 3, Limit 5,
    // Phase 7, ConnectError 6.
    assert_eq!(checked, 57);
}
