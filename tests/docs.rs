//! The docs against the code, so that they cannot drift: the README's tables column by
//! column (operations against the spec and compiled calls, features against
//! `Cargo.toml`), every guide in `docs/` compiled as a doc test, every code block tagged,
//! and every `cargo` command of a shell block naming a package, target and feature that
//! exist. Links and anchors are `.ci/links`; the CLI commands of `cli/README.md` are
//! `cli/tests/readme.rs`.

mod common;

use std::path::{Path, PathBuf};

use common::markdown::{code_blocks, markdown_files, read, root, spans, tables};
use flowpayroll::operation::Operation;
use flowpayroll::types::ClientUpdate;
use flowpayroll::{AuthorizationCode, Error, FlowPayroll};
use serde_json::Value;

/// Every call the README's operations table shows, written exactly as the table writes
/// it (each Rust cell must appear here followed by `.await`): this compiles in every
/// build of the tests, and runs against the sandbox below.
#[cfg_attr(not(feature = "sandbox"), allow(dead_code))]
async fn readme_calls(
    fp: &FlowPayroll,
    update: ClientUpdate,
    code: AuthorizationCode,
    redirect_uri: &str,
) -> Result<(), Error> {
    fp.authenticate().await?;
    fp.management().tokens().await?;
    fp.management().introspect().await?;
    fp.management().client().await?;
    fp.management().update_client(&update).await?;
    fp.management()
        .exchange_authorization_code(&code, redirect_uri)
        .await?;
    fp.providers().await?;
    fp.management().disconnect().await?;
    Ok(())
}

/// The source of [`readme_calls`], which the table's Rust cells are looked up in.
/// Without whitespace, so that rustfmt's line breaks do not matter.
fn readme_calls_source() -> String {
    let this = include_str!("docs.rs");
    let start = this.find("async fn readme_calls(").unwrap();
    let end = start + this[start..].find("\n}\n").unwrap();
    without_whitespace(&this[start..end])
}

fn without_whitespace(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The rows of the first table of `file` whose header's first cell is `first_header`.
fn table(file: &str, first_header: &str) -> Vec<Vec<String>> {
    let text = read(&root().join(file));
    let found = tables(&text)
        .into_iter()
        .find(|rows| rows.first().is_some_and(|header| header[0] == first_header));
    let mut rows = found.unwrap_or_else(|| panic!("{file} has no table headed `{first_header}`"));
    rows.remove(0);
    rows
}

#[test]
fn the_readme_operations_table_matches_the_spec_and_its_calls_compile() {
    let calls = readme_calls_source();
    let mut listed = Vec::new();
    for row in table("README.md", "operation id") {
        let [id, route, rust] = &row[..] else {
            panic!("an operations row has 3 cells: {row:?}");
        };
        let id = spans(id).pop().unwrap_or_default();
        let operation = Operation::from_id(&id)
            .unwrap_or_else(|| panic!("`{id}` in the README is not an operation of the spec"));
        let expected = format!("{} {}", operation.method(), operation.path());
        assert_eq!(
            spans(route).first(),
            Some(&expected),
            "{id}: method and path"
        );
        let rust_calls: Vec<String> = spans(rust)
            .into_iter()
            .filter(|span| span.starts_with("fp."))
            .collect();
        assert!(!rust_calls.is_empty(), "{id}: the Rust cell shows no call");
        for call in rust_calls {
            assert!(
                calls.contains(&without_whitespace(&format!("{call}.await"))),
                "{id}: `{call}` is not one of the calls tests/docs.rs compiles"
            );
        }
        listed.push(operation);
    }
    assert_eq!(listed, Operation::ALL, "every operation, in spec order");
}

/// The calls of the table run: each cell is a working call, not only a compiling one.
#[cfg(feature = "sandbox")]
#[tokio::test]
async fn the_readme_operations_table_calls_run_on_the_sandbox() {
    use common::sandbox_http::control;
    let sandbox = flowpayroll::sandbox::Sandbox::start().await.unwrap();
    let fp = sandbox.client_builder().build().unwrap();
    let redirect_uri = fp.management().client().await.unwrap().redirect_uris[0].clone();
    let body = serde_json::json!({ "redirect_uri": redirect_uri });
    let issued = control(&sandbox, "POST", "authorize", Some(body)).await;
    let code = AuthorizationCode::new(issued.body["code"].as_str().unwrap());
    let update = ClientUpdate::builder()
        .name("Docs check")
        .client_secret(vec![sandbox.client_secret()])
        .redirect_uris(vec![redirect_uri.clone()])
        .build();
    readme_calls(&fp, update, code, &redirect_uri)
        .await
        .unwrap();
    for &operation in Operation::ALL {
        let sent = match operation {
            Operation::RequestToken => sandbox.token_requests(),
            other => sandbox.api_requests(other),
        };
        let expected = match operation {
            // readme_calls' own mint; the client calls get_client once more above.
            Operation::RequestToken => 1,
            Operation::GetClient => 2,
            _ => 1,
        };
        assert_eq!(sent, expected, "{operation:?}");
    }
}

/// `cargo metadata` of the workspace: its packages, their targets and features.
fn metadata() -> Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = std::process::Command::new(cargo)
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--offline",
        ])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(output.status.success(), "cargo metadata failed");
    serde_json::from_slice(&output.stdout).unwrap()
}

fn package<'a>(metadata: &'a Value, name: &str) -> Option<&'a Value> {
    metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|package| package["name"] == name)
}

/// The features of `package` a user may turn on: all but `default` and `_internal` ones.
fn public_features(package: &Value) -> Vec<String> {
    let mut features: Vec<String> = package["features"]
        .as_object()
        .unwrap()
        .keys()
        .filter(|name| *name != "default" && !name.starts_with('_'))
        .cloned()
        .collect();
    features.sort();
    features
}

#[test]
fn the_readme_feature_table_lists_every_public_feature_and_the_default() {
    let metadata = metadata();
    let crate_ = package(&metadata, "flowpayroll").unwrap();
    let defaults: Vec<&str> = crate_["features"]["default"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    let mut listed = Vec::new();
    for row in table("README.md", "feature") {
        let name = spans(&row[0]).pop().unwrap_or_default();
        let marked_default = row[0].contains("(default)");
        assert_eq!(
            marked_default,
            defaults.contains(&name.as_str()),
            "`{name}`: (default) in the README"
        );
        listed.push(name);
    }
    listed.sort();
    assert_eq!(listed, public_features(crate_));
}

/// docs/versioning.md says which features are public API: it must name each of them.
#[test]
fn the_versioning_policy_names_every_public_feature() {
    let text = read(&root().join("docs/versioning.md"));
    let start = text.find("## What is the public API").unwrap();
    let end = start + 3 + text[start + 3..].find("\n## ").unwrap();
    let section = &text[start..end];
    for feature in public_features(package(&metadata(), "flowpayroll").unwrap()) {
        assert!(
            section.contains(&format!("`{feature}`")),
            "docs/versioning.md, \"What is the public API\", does not name `{feature}`"
        );
    }
}

/// Each guide in docs/ is a doc test (its Rust blocks compile, and run unless
/// `no_run`), through a `#[cfg(doctest)]` item of src/lib.rs.
#[test]
fn every_guide_in_docs_is_compiled_as_a_doc_test() {
    let lib = read(&root().join("src/lib.rs"));
    assert!(lib.contains("#![doc = include_str!(\"../README.md\")]"));
    for file in markdown_files() {
        let Ok(relative) = file.strip_prefix(root().join("docs")) else {
            continue;
        };
        let include = format!("include_str!(\"../docs/{}\")", relative.display());
        assert!(lib.contains(&include), "src/lib.rs lacks {include}");
    }
}

/// Files whose blocks rustdoc compiles: the README and the guides.
fn compiled(file: &Path) -> bool {
    file == root().join("README.md") || file.starts_with(root().join("docs"))
}

#[test]
fn every_code_block_is_tagged_and_no_rust_block_is_skipped() {
    let mut problems = Vec::new();
    for file in markdown_files() {
        for block in code_blocks(&read(&file)) {
            let place = format!("{}:{}", file.display(), block.line);
            let lang = block.info.split(',').next().unwrap_or("").trim();
            if lang.is_empty() {
                problems.push(format!("{place}: a block without a language"));
            }
            if lang == "rust" && block.info.contains("ignore") {
                problems.push(format!("{place}: `ignore` (use no_run: it still compiles)"));
            }
            if lang == "rust" && !compiled(&file) {
                problems.push(format!("{place}: a Rust block nothing compiles"));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

/// The `cargo` commands of the shell blocks, one `Vec` of words each.
fn cargo_commands() -> Vec<(PathBuf, Vec<String>)> {
    let mut commands = Vec::new();
    for file in markdown_files() {
        for block in code_blocks(&read(&file)) {
            if !matches!(block.info.as_str(), "sh" | "bash" | "shell" | "console") {
                continue;
            }
            let joined = block.text.replace("\\\n", " ");
            for line in joined.lines() {
                let line = line.split(" #").next().unwrap_or("");
                for part in line.split(['&', ';', '|']) {
                    let words: Vec<String> = part.split_whitespace().map(str::to_owned).collect();
                    if words.first().is_some_and(|w| w == "cargo") {
                        commands.push((file.clone(), words));
                    }
                }
            }
        }
    }
    commands
}

#[test]
fn every_cargo_command_in_the_docs_names_what_exists() {
    let metadata = metadata();
    let xtask = read(&root().join("xtask/src/main.rs"));
    let mut problems = Vec::new();
    let all = cargo_commands();
    assert!(
        all.len() > 10,
        "the docs show cargo commands: {}",
        all.len()
    );
    for (file, words) in all {
        if let Err(problem) = common::cargo_commands::check(&words, &metadata, &xtask) {
            problems.push(format!(
                "{}: `{}`: {problem}",
                file.display(),
                words.join(" ")
            ));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

/// The README's "Configuration" names every variable `from_env` reads (as
/// `FLOWPAYROLL_NAME` or, after the first, `_NAME`).
#[test]
fn the_readme_names_every_variable_from_env_reads() {
    let config = read(&root().join("src/config/mod.rs"));
    let readme = read(&root().join("README.md"));
    let start = readme.find("## Configuration").unwrap();
    let section = &readme[start..start + readme[start..].find("\n## ").unwrap()];
    let mut names: Vec<&str> = config
        .split('"')
        .filter(|word| word.starts_with("FLOWPAYROLL_") && word.len() > 12)
        .filter(|word| word.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
        .collect();
    names.sort_unstable();
    names.dedup();
    assert!(names.len() >= 9, "{names:?}");
    for name in names {
        let short = &name["FLOWPAYROLL".len()..];
        assert!(
            section.contains(&format!("`{name}`")) || section.contains(&format!("`{short}`")),
            "README \"Configuration\" does not name {name}"
        );
    }
}
