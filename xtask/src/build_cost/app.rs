//! The minimal applications that `build-cost` builds: one per variant (flowpayroll with
//! each TLS choice, its pregenerated copy, and bare reqwest with the same features), each
//! written into its own folder with its dependencies fetched before the clock starts.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// One minimal application: its name and the dependency lines of its manifest.
pub(super) struct Variant {
    pub(super) name: &'static str,
    pub(super) dependencies: &'static str,
}

/// reqwest as flowpayroll uses it, minus the TLS feature.
const REQWEST: &str = r#"reqwest = { version = "0.13.5", default-features = false, features = ["json", "query", "form", "http2", "gzip", "brotli", "deflate""#;
const TOKIO: &str = r#"tokio = { version = "1.48", features = ["rt", "time", "sync", "macros"] }"#;

pub(super) const VARIANTS: [Variant; 5] = [
    Variant {
        name: "reqwest-aws-lc",
        dependencies: r#""rustls"] }"#,
    },
    Variant {
        name: "flowpayroll-aws-lc",
        dependencies: r#"flowpayroll = { path = "@ROOT@" }"#,
    },
    Variant {
        name: "reqwest-ring",
        dependencies: r#""rustls-no-provider"] }
rustls = { version = "0.23.27", default-features = false, features = ["std", "tls12", "ring"] }
rustls-platform-verifier = "0.7""#,
    },
    Variant {
        name: "flowpayroll-ring",
        dependencies: r#"flowpayroll = { path = "@ROOT@", default-features = false, features = ["rustls-ring"] }"#,
    },
    // A measurement, not a product: flowpayroll-ring with the generated code ready-made
    // (see `pregenerated`), to show what build-time generation costs.
    Variant {
        name: "flowpayroll-ring-pregenerated",
        dependencies: r#"flowpayroll = { path = "@PREGENERATED@", default-features = false, features = ["rustls-ring"] }"#,
    },
];

/// The app's code: enough to make every dependency's code reachable.
const MAIN_FLOWPAYROLL: &str = r#"#[tokio::main(flavor = "current_thread")]
async fn main() {
    let fp = flowpayroll::FlowPayroll::builder().credentials("id", "secret").build().unwrap();
    println!("{:?}", fp.token_status());
    if std::env::args().count() > 1 {
        println!("{:?}", fp.management().tokens().await.map(|t| t.len()));
    }
}
"#;
const MAIN_REQWEST: &str = r#"#[tokio::main(flavor = "current_thread")]
async fn main() {
    let http = reqwest::Client::builder().build().unwrap();
    if std::env::args().count() > 1 {
        let answer = http.get("https://example.com").send().await.unwrap();
        println!("{:?}", answer.json::<std::collections::BTreeMap<String, String>>().await);
    }
}
"#;

pub(super) fn write_app(
    root: &Path,
    pregenerated: &Path,
    dir: &Path,
    variant: &Variant,
) -> Result<(), String> {
    let app = dir.join(variant.name);
    let src = app.join("src");
    std::fs::create_dir_all(&src).map_err(|e| format!("cannot create {}: {e}", src.display()))?;
    let root = root.display().to_string();
    let (dependencies, main) = if variant.name.starts_with("flowpayroll") {
        (
            variant
                .dependencies
                .replace("@ROOT@", &root)
                .replace("@PREGENERATED@", &pregenerated.display().to_string()),
            MAIN_FLOWPAYROLL,
        )
    } else {
        (format!("{REQWEST}, {}", variant.dependencies), MAIN_REQWEST)
    };
    let manifest = format!(
        "[package]\nname = \"{}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         [dependencies]\n{dependencies}\n{TOKIO}\n\n[workspace]\n",
        variant.name
    );
    let write = |path: PathBuf, text: &str| {
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    write(app.join("Cargo.toml"), &manifest)?;
    write(src.join("main.rs"), main)?;
    // The workspace's lock file pins the same versions (cargo drops what the app does not use).
    std::fs::copy(Path::new(&root).join("Cargo.lock"), app.join("Cargo.lock"))
        .map_err(|e| format!("cannot copy Cargo.lock: {e}"))?;
    let fetched = Command::new("cargo")
        .arg("fetch")
        .current_dir(&app)
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !fetched.success() {
        return Err(format!("cargo fetch failed in {}", app.display()));
    }
    Ok(())
}
