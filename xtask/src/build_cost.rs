//! `cargo xtask build-cost`: what a user's clean build pays for flowpayroll. Writes a
//! minimal application per variant (flowpayroll with each TLS choice, and bare reqwest
//! with the same reqwest features and TLS set-up as the baseline), builds each from
//! clean with `cargo build --timings`, and prints the wall time and the five slowest
//! units. Variants run back to back in each round, so a baseline and its candidate see
//! the same machine load; the load average is printed with every build.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

/// One minimal application: its name and the dependency lines of its manifest.
struct Variant {
    name: &'static str,
    dependencies: &'static str,
}

/// reqwest as flowpayroll uses it, minus the TLS feature.
const REQWEST: &str = r#"reqwest = { version = "0.13.5", default-features = false, features = ["json", "query", "form", "http2", "gzip", "brotli", "deflate""#;
const TOKIO: &str = r#"tokio = { version = "1.48", features = ["rt", "time", "sync", "macros"] }"#;

const VARIANTS: [Variant; 4] = [
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

/// What `cargo xtask build-cost` was asked.
struct Options {
    dir: PathBuf,
    /// The flowpayroll source to depend on (default: this workspace).
    source: Option<PathBuf>,
    rounds: usize,
    only: Vec<String>,
    keep: bool,
}

pub fn main(args: impl Iterator<Item = String>) -> ExitCode {
    match parse(args).and_then(|options| run(&options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
    }
}

fn parse(args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut options = Options {
        dir: std::env::temp_dir().join("flowpayroll-build-cost"),
        source: None,
        rounds: 1,
        only: Vec::new(),
        keep: false,
    };
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--dir" => options.dir = PathBuf::from(value()?),
            "--source" => options.source = Some(PathBuf::from(value()?)),
            "--rounds" => {
                options.rounds = value()?
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or("--rounds takes a positive number")?
            }
            "--only" => options.only.push(value()?),
            "--keep" => options.keep = true,
            other => return Err(format!("unknown build-cost option `{other}`")),
        }
    }
    if let Some(unknown) = options
        .only
        .iter()
        .find(|name| !VARIANTS.iter().any(|v| v.name == name.as_str()))
    {
        let names: Vec<_> = VARIANTS.iter().map(|v| v.name).collect();
        return Err(format!(
            "no variant `{unknown}`; the variants are {names:?}"
        ));
    }
    Ok(options)
}

fn run(options: &Options) -> Result<(), String> {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("xtask has no parent directory")?;
    let root = options.source.as_deref().unwrap_or(workspace);
    let variants: Vec<&Variant> = VARIANTS
        .iter()
        .filter(|v| options.only.is_empty() || options.only.iter().any(|o| o == v.name))
        .collect();
    for variant in &variants {
        write_app(root, &options.dir, variant)?;
    }
    let mut walls: Vec<(&str, Vec<f64>)> = variants.iter().map(|v| (v.name, Vec::new())).collect();
    for round in 1..=options.rounds {
        for (variant, (_, times)) in variants.iter().zip(walls.iter_mut()) {
            let app = options.dir.join(variant.name);
            let load = load_average();
            let seconds = build(&app)?;
            times.push(seconds);
            println!(
                "\n{} (round {round}): {seconds:.1} s wall, load average {load} before, {} after",
                variant.name,
                load_average()
            );
            for (unit, duration) in slowest_units(&app, 5)? {
                println!("  {duration:>6.1} s  {unit}");
            }
            if !options.keep {
                let _ = std::fs::remove_dir_all(app.join("target"));
            }
        }
    }
    println!(
        "\nwall time per variant (s): median [min-max] over {} round(s)",
        options.rounds
    );
    for (name, times) in &walls {
        let (median, min, max) = spread(times);
        println!("  {name:<20} {median:>6.1} [{min:.1}-{max:.1}]");
    }
    for (candidate, baseline) in [
        ("flowpayroll-ring", "reqwest-ring"),
        ("flowpayroll-aws-lc", "reqwest-aws-lc"),
    ] {
        let median = |name: &str| {
            walls
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, t)| spread(t).0)
        };
        if let (Some(c), Some(b)) = (median(candidate), median(baseline)) {
            println!("  {candidate} / {baseline}: {:.2}x", c / b);
        }
    }
    Ok(())
}

fn write_app(root: &Path, dir: &Path, variant: &Variant) -> Result<(), String> {
    let app = dir.join(variant.name);
    let src = app.join("src");
    std::fs::create_dir_all(&src).map_err(|e| format!("cannot create {}: {e}", src.display()))?;
    let root = root.display().to_string();
    let (dependencies, main) = if variant.name.starts_with("flowpayroll") {
        (
            variant.dependencies.replace("@ROOT@", &root),
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

/// Builds `app` from clean; the wall time in seconds.
fn build(app: &Path) -> Result<f64, String> {
    let _ = std::fs::remove_dir_all(app.join("target"));
    // Wall time of a child process: the real clock is the point here.
    #[allow(clippy::disallowed_methods)]
    let started = Instant::now();
    let status = Command::new("cargo")
        .args(["build", "--timings", "--quiet"])
        .current_dir(app)
        .env("CARGO_TARGET_DIR", app.join("target"))
        .env_remove("RUSTFLAGS")
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    let seconds = started.elapsed().as_secs_f64();
    if !status.success() {
        return Err(format!("cargo build failed in {}", app.display()));
    }
    Ok(seconds)
}

/// The `count` units that took longest, from the `--timings` report.
fn slowest_units(app: &Path, count: usize) -> Result<Vec<(String, f64)>, String> {
    let report = app.join("target/cargo-timings/cargo-timing.html");
    let html = std::fs::read_to_string(&report)
        .map_err(|e| format!("cannot read {}: {e}", report.display()))?;
    let mut units =
        parse_units(&html).ok_or_else(|| format!("no unit data in {}", report.display()))?;
    units.sort_by(|a, b| b.1.total_cmp(&a.1));
    units.truncate(count);
    Ok(units)
}

/// The units of a `cargo build --timings` HTML report: name, version and target, and
/// how long each took.
fn parse_units(html: &str) -> Option<Vec<(String, f64)>> {
    let start = html.find("UNIT_DATA = ")? + "UNIT_DATA = ".len();
    let end = start + html[start..].find("];")? + 1;
    let data: serde_json::Value = serde_json::from_str(&html[start..end]).ok()?;
    data.as_array()?
        .iter()
        .map(|unit| {
            let name = unit.get("name")?.as_str()?;
            let version = unit.get("version")?.as_str()?;
            let target = unit.get("target")?.as_str()?;
            let duration = unit.get("duration")?.as_f64()?;
            Some((format!("{name} v{version}{target}"), duration))
        })
        .collect()
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| text.split(' ').take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_owned())
}

/// Median, minimum and maximum of a non-empty list.
fn spread(times: &[f64]) -> (f64, f64, f64) {
    let mut sorted = times.to_vec();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    (median, sorted[0], sorted[sorted.len() - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_are_read_from_the_timing_report() {
        let html = r#"<script>
DURATION = 3;
const UNIT_DATA = [{"i":0,"name":"ring","version":"0.17.14","mode":"todo","target":" build script (run)","start":0.1,"duration":9.5,"rmeta_time":null},
{"i":1,"name":"app","version":"0.0.0","mode":"todo","target":" bin \"app\"","start":9.6,"duration":0.25,"rmeta_time":null}];
const CONCURRENCY_DATA = [];
</script>"#;
        let units = parse_units(html).unwrap();
        assert_eq!(
            units,
            vec![
                ("ring v0.17.14 build script (run)".to_owned(), 9.5),
                ("app v0.0.0 bin \"app\"".to_owned(), 0.25)
            ]
        );
        assert_eq!(parse_units("<html></html>"), None);
    }

    #[test]
    fn spread_is_median_min_max() {
        assert_eq!(spread(&[3.0, 1.0, 2.0]), (2.0, 1.0, 3.0));
        assert_eq!(spread(&[5.0]), (5.0, 5.0, 5.0));
    }
}
