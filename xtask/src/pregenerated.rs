//! For `cargo xtask build-cost`'s `flowpayroll-ring-pregenerated` variant: what a user's
//! build would cost if the generated client came ready-made in the package. Writes a
//! throw-away copy of the flowpayroll package into the build-cost directory with the files
//! the build script generated copied beside the sources, the `include!`s pointing at
//! them, and no build script or build-dependencies. A measurement only: nothing here
//! writes generated code into the repository.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The manifest tables a dependent's build never reads, or that the copy must not have.
const DROPPED_TABLES: [&str; 6] = [
    "[workspace]",
    "[build-dependencies]",
    "[dev-dependencies]",
    "[[test]]",
    "[[example]]",
    "[[bench]]",
];

/// Writes the copy of the package at `root` into `dest` (replacing what was there) and
/// returns `dest`.
pub fn write(root: &Path, dest: &Path) -> Result<PathBuf, String> {
    let out_dir = generated_dir(root)?;
    let _ = std::fs::remove_dir_all(dest);
    copy_dir(&root.join("src"), &dest.join("src"))?;
    let generated = dest.join("src/pregenerated");
    copy_dir(&out_dir, &generated)?;
    for file in ["README.md", "Cargo.lock"] {
        std::fs::copy(root.join(file), dest.join(file))
            .map_err(|e| format!("cannot copy {file}: {e}"))?;
    }
    let manifest = read(&root.join("Cargo.toml"))?;
    write_file(&dest.join("Cargo.toml"), &without_build(&manifest))?;
    let mut pointed = 0;
    for source in rust_files(&dest.join("src"))? {
        let text = read(&source)?;
        let (rewritten, count) = include_from(&text, &generated);
        if count > 0 {
            write_file(&source, &rewritten)?;
            pointed += count;
        }
        if rewritten.contains("env!(\"OUT_DIR\")") {
            return Err(format!(
                "{} reads OUT_DIR in a way build-cost does not rewrite",
                source.display()
            ));
        }
    }
    if pointed == 0 {
        return Err("no `include!(concat!(env!(\"OUT_DIR\"), ...))` found in src/".to_owned());
    }
    Ok(dest.to_path_buf())
}

/// The OUT_DIR of flowpayroll's build script, after running it through `cargo check`
/// in the workspace at `root` (its warm target directory makes this quick).
fn generated_dir(root: &Path) -> Result<PathBuf, String> {
    let output = Command::new("cargo")
        .args([
            "check",
            "--quiet",
            "--message-format=json",
            "-p",
            "flowpayroll",
        ])
        .args(["--no-default-features", "--features", "rustls-ring"])
        .current_dir(root)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo check of flowpayroll failed in {}",
            root.display()
        ));
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| message["reason"] == "build-script-executed")
        .filter(|message| {
            message["package_id"]
                .as_str()
                .is_some_and(|id| id.contains("#flowpayroll@"))
        })
        .find_map(|message| message["out_dir"].as_str().map(PathBuf::from))
        .ok_or_else(|| "cargo did not report flowpayroll's OUT_DIR".to_owned())
}

/// The manifest without its build script, build-dependencies and the tables a
/// dependent does not use, standing alone (an empty `[workspace]`).
fn without_build(manifest: &str) -> String {
    let mut kept = String::new();
    let mut dropping = false;
    for line in manifest.lines() {
        let header = line.trim_start();
        if header.starts_with('[') && !header.starts_with("[\"") {
            dropping = DROPPED_TABLES.iter().any(|table| header.starts_with(table));
        }
        if !dropping {
            kept.push_str(line);
            kept.push('\n');
            if header == "[package]" {
                kept.push_str("build = false\n");
            }
        }
    }
    kept.push_str("\n[workspace]\n");
    kept
}

/// `text` with each `include!(concat!(env!("OUT_DIR"), "/NAME"))` reading
/// `generated/NAME` instead, and how many it rewrote.
fn include_from(text: &str, generated: &Path) -> (String, usize) {
    const START: &str = "include!(concat!(env!(\"OUT_DIR\"), \"/";
    let mut rewritten = String::with_capacity(text.len());
    let mut rest = text;
    let mut count = 0;
    while let Some(at) = rest.find(START) {
        let after = &rest[at + START.len()..];
        let Some(end) = after.find("\"))") else {
            break;
        };
        let name = &after[..end];
        rewritten.push_str(&rest[..at]);
        let path = generated.join(name);
        rewritten.push_str(&format!("include!({:?})", path.display().to_string()));
        rest = &after[end + "\"))".len()..];
        count += 1;
    }
    rewritten.push_str(rest);
    (rewritten, count)
}

fn rust_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for entry in
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?
    {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.is_dir() {
            files.extend(rust_files(&path)?);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
    Ok(files)
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| format!("cannot create {}: {e}", to.display()))?;
    for entry in
        std::fs::read_dir(from).map_err(|e| format!("cannot read {}: {e}", from.display()))?
    {
        let path = entry.map_err(|e| e.to_string())?.path();
        let target = to.join(path.file_name().unwrap_or_default());
        if path.is_dir() {
            copy_dir(&path, &target)?;
        } else {
            std::fs::copy(&path, &target)
                .map_err(|e| format!("cannot copy {}: {e}", path.display()))?;
        }
    }
    Ok(())
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn write_file(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn includes_point_at_the_copied_files() {
        let text = "mod a {\n    include!(concat!(env!(\"OUT_DIR\"), \"/client.rs\"));\n}\n\
                    include!(concat!(env!(\"OUT_DIR\"), \"/open_enums.rs\"));\n";
        let (rewritten, count) = include_from(text, Path::new("/x/gen"));
        assert_eq!(count, 2);
        assert_eq!(
            rewritten,
            "mod a {\n    include!(\"/x/gen/client.rs\");\n}\ninclude!(\"/x/gen/open_enums.rs\");\n"
        );
        assert_eq!(
            include_from("no includes", Path::new("/x")),
            ("no includes".to_owned(), 0)
        );
    }

    #[test]
    fn every_include_of_generated_code_in_the_crate_is_rewritten() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../src");
        let mut pointed = 0;
        for source in rust_files(&src).unwrap() {
            let (rewritten, count) = include_from(&read(&source).unwrap(), Path::new("/g"));
            assert!(
                !rewritten.contains("env!(\"OUT_DIR\")"),
                "{}",
                source.display()
            );
            pointed += count;
        }
        // types.rs, client.rs, open_enums.rs, error_table.rs and operation.rs, all in
        // src/generated/.
        assert_eq!(pointed, 5);
    }

    #[test]
    fn the_manifest_loses_its_build_and_keeps_its_features() {
        let manifest = "[package]\nname = \"flowpayroll\"\n\n[workspace]\nmembers = [\n    \".\",\n]\n\n\
                        [dependencies]\nserde = \"1\"\n\n[features]\nring = [\"dep:x\"]\n\n\
                        [[test]]\nname = \"tls\"\n\n[dev-dependencies]\nhttpmock = \"0.9\"\n\n\
                        [build-dependencies]\nsyn = \"3\"\n\n[lints.rust]\nunsafe_code = \"forbid\"\n";
        assert_eq!(
            without_build(manifest),
            "[package]\nbuild = false\nname = \"flowpayroll\"\n\n[dependencies]\nserde = \"1\"\n\n\
             [features]\nring = [\"dep:x\"]\n\n[lints.rust]\nunsafe_code = \"forbid\"\n\n[workspace]\n"
        );
    }
}
