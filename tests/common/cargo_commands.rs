//! Whether a `cargo` command shown in the docs names what exists: its package, target
//! (example, test, bench, bin), features and `xtask` subcommand, read from `cargo
//! metadata` and `xtask/src/main.rs`.

use serde_json::Value;

/// The value after `flag` (`--features a,b` or `--features=a,b`), for each time it occurs.
fn values<'a>(words: &'a [String], flags: &[&str]) -> Vec<&'a str> {
    let mut found = Vec::new();
    for (i, word) in words.iter().enumerate() {
        for flag in flags {
            if word == flag {
                found.extend(words.get(i + 1).map(String::as_str));
            } else if let Some(value) = word.strip_prefix(&format!("{flag}=")) {
                found.push(value);
            }
        }
    }
    found
}

fn has(words: &[String], flags: &[&str]) -> bool {
    words.iter().any(|w| {
        flags
            .iter()
            .any(|f| w == f || w.starts_with(&format!("{f}=")))
    })
}

fn packages(metadata: &Value) -> &Vec<Value> {
    metadata["packages"].as_array().unwrap()
}

/// The package a command acts on: `-p NAME`, `--path DIR`, else the root package.
fn target_package<'a>(words: &[String], metadata: &'a Value) -> Result<&'a Value, String> {
    let by = |field: &str, value: &str| {
        packages(metadata).iter().find(|p| match field {
            "name" => p["name"] == value,
            _ => p["manifest_path"]
                .as_str()
                .is_some_and(|m| m.ends_with(&format!("/{}/Cargo.toml", value.trim_matches('/')))),
        })
    };
    if let Some(name) = values(words, &["-p", "--package"]).first() {
        return by("name", name).ok_or(format!("no package `{name}` in the workspace"));
    }
    if let Some(path) = values(words, &["--path"]).first() {
        return by("path", path).ok_or(format!("no package at `{path}`"));
    }
    Ok(by("name", "flowpayroll").unwrap())
}

/// Checks one command; `Err` says what it names that does not exist.
pub fn check(words: &[String], metadata: &Value, xtask: &str) -> Result<(), String> {
    let Some(sub) = words.get(1) else {
        return Ok(());
    };
    if sub == "xtask" {
        let name = words.get(2).ok_or("`cargo xtask` without a command")?;
        return if xtask.contains(&format!("Command::new(\"{name}\")")) {
            Ok(())
        } else {
            Err(format!("`{name}` is not a subcommand of xtask"))
        };
    }
    if !matches!(
        sub.as_str(),
        "run" | "test" | "bench" | "build" | "check" | "clippy" | "doc" | "install" | "package"
    ) {
        return Ok(());
    }
    if sub == "install" && !has(words, &["--path"]) {
        return Ok(()); // from crates.io
    }
    let package = target_package(words, metadata)?;
    if sub == "run"
        && !has(
            words,
            &["--example", "--bin", "-p", "--package", "--manifest-path"],
        )
    {
        return Err("`cargo run` at the root cannot choose between the workspace's binaries: name one (-p or --bin)".to_owned());
    }
    let targets = package["targets"].as_array().unwrap();
    for (flag, kind) in [
        ("--example", "example"),
        ("--test", "test"),
        ("--bench", "bench"),
        ("--bin", "bin"),
    ] {
        for name in values(words, &[flag]) {
            let exists = targets.iter().any(|t| {
                t["name"] == name && t["kind"].as_array().unwrap().iter().any(|k| k == kind)
            });
            if !exists {
                return Err(format!("no {kind} `{name}` in package {}", package["name"]));
            }
        }
    }
    let features = package["features"].as_object().unwrap();
    for list in values(words, &["-F", "--features"]) {
        for feature in list
            .split([',', ' '])
            .filter(|f| !f.is_empty() && !f.contains('/'))
        {
            if !features.contains_key(feature) {
                return Err(format!(
                    "no feature `{feature}` in package {}",
                    package["name"]
                ));
            }
        }
    }
    Ok(())
}
