//! `cargo xtask build-cost`: what a user's clean build pays for flowpayroll. Writes a
//! minimal application per variant (flowpayroll with each TLS choice, and bare reqwest
//! with the same reqwest features and TLS set-up as the baseline), builds each from
//! clean with `cargo build --timings`, and prints the wall time, the CPU time (user +
//! system of cargo and everything it ran), the slowest units and flowpayroll's own units.
//! Variants run back to back in each round, so a baseline and its candidate see the same
//! machine load; the load average is printed with every build. On a shared, busy machine
//! wall times swing with the load and CPU times do not (much): compare those.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use crate::pregenerated;

/// One minimal application: its name and the dependency lines of its manifest.
struct Variant {
    name: &'static str,
    dependencies: &'static str,
}

/// reqwest as flowpayroll uses it, minus the TLS feature.
const REQWEST: &str = r#"reqwest = { version = "0.13.5", default-features = false, features = ["json", "query", "form", "http2", "gzip", "brotli", "deflate""#;
const TOKIO: &str = r#"tokio = { version = "1.48", features = ["rt", "time", "sync", "macros"] }"#;

const VARIANTS: [Variant; 5] = [
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

/// What `cargo xtask build-cost` was asked.
struct Options {
    dir: PathBuf,
    /// The flowpayroll source to depend on (default: this workspace).
    source: Option<PathBuf>,
    rounds: usize,
    only: Vec<String>,
    /// How many of the slowest units to print.
    units: usize,
    keep: bool,
}

/// What one clean build cost.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Cost {
    wall: f64,
    /// User + system seconds of the cargo process tree; `None` where not measurable.
    cpu: Option<f64>,
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
        units: 5,
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
            "--units" => {
                options.units = value()?
                    .parse()
                    .map_err(|_| "--units takes a number".to_owned())?
            }
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
    let pregenerated = if variants
        .iter()
        .any(|v| v.dependencies.contains("@PREGENERATED@"))
    {
        let copy = options.dir.join("flowpayroll-pregenerated-source");
        pregenerated::write(root, &copy)?
    } else {
        PathBuf::new()
    };
    for variant in &variants {
        write_app(root, &pregenerated, &options.dir, variant)?;
    }
    println!("flowpayroll source: {}", root.display());
    let mut costs: Vec<(&str, Vec<Cost>)> = variants.iter().map(|v| (v.name, Vec::new())).collect();
    for round in 1..=options.rounds {
        for (variant, (_, measured)) in variants.iter().zip(costs.iter_mut()) {
            let app = options.dir.join(variant.name);
            let load = load_average();
            let outcome = build(&app);
            let report = outcome.and_then(|cost| Ok((cost, units(&app)?)));
            if !options.keep {
                // A clean target dir is 1-2 GB: never leave one behind, even on failure.
                let _ = std::fs::remove_dir_all(app.join("target"));
            }
            let (cost, units) = report?;
            measured.push(cost);
            println!(
                "\n{} (round {round}): {:.1} s wall, {} CPU; load average {load} at start, {} at end",
                variant.name,
                cost.wall,
                cost.cpu.map_or("unknown".to_owned(), |cpu| format!("{cpu:.1} s")),
                load_average()
            );
            for (unit, duration) in highlights(units, options.units) {
                println!("  {duration:>6.1} s  {unit}");
            }
        }
    }
    println!(
        "\nper variant, median [min-max] over {} round(s):",
        options.rounds
    );
    println!("  {:<30} {:>18} {:>18}", "", "wall (s)", "CPU (s)");
    for (name, measured) in &costs {
        let walls: Vec<f64> = measured.iter().map(|c| c.wall).collect();
        let cpus: Vec<f64> = measured.iter().filter_map(|c| c.cpu).collect();
        println!(
            "  {name:<30} {:>18} {:>18}",
            format_spread(&walls),
            format_spread(&cpus)
        );
    }
    for (candidate, baseline) in [
        ("flowpayroll-ring", "reqwest-ring"),
        ("flowpayroll-ring-pregenerated", "reqwest-ring"),
        ("flowpayroll-aws-lc", "reqwest-aws-lc"),
    ] {
        let find = |name: &str| costs.iter().find(|(n, _)| *n == name).map(|(_, c)| c);
        if let (Some(c), Some(b)) = (find(candidate), find(baseline)) {
            let (wall, cpu) = ratios(c, b);
            println!(
                "  {candidate} / {baseline}: {wall:.2}x wall, {} CPU",
                cpu.map_or("unknown".to_owned(), |r| format!("{r:.2}x"))
            );
        }
    }
    Ok(())
}

/// The ratios of the medians of `candidate` to `baseline`: wall, and CPU when both
/// have it.
fn ratios(candidate: &[Cost], baseline: &[Cost]) -> (f64, Option<f64>) {
    let median = |costs: &[Cost], pick: fn(&Cost) -> Option<f64>| {
        let values: Vec<f64> = costs.iter().filter_map(pick).collect();
        (!values.is_empty()).then(|| spread(&values).0)
    };
    let wall = |c: &Cost| Some(c.wall);
    let cpu = |c: &Cost| c.cpu;
    let ratio =
        |pick: fn(&Cost) -> Option<f64>| Some(median(candidate, pick)? / median(baseline, pick)?);
    (ratio(wall).unwrap_or(f64::NAN), ratio(cpu))
}

fn format_spread(values: &[f64]) -> String {
    if values.is_empty() {
        return "unknown".to_owned();
    }
    let (median, min, max) = spread(values);
    format!("{median:.1} [{min:.1}-{max:.1}]")
}

/// The `count` slowest units, then flowpayroll's own units (library, build script and
/// its run) that are not among them.
fn highlights(mut units: Vec<(String, f64)>, count: usize) -> Vec<(String, f64)> {
    units.sort_by(|a, b| b.1.total_cmp(&a.1));
    let ours = |unit: &String| unit.starts_with("flowpayroll v");
    let mut shown: Vec<(String, f64)> = units.iter().take(count).cloned().collect();
    shown.extend(units.into_iter().skip(count).filter(|(unit, _)| ours(unit)));
    shown
}

fn write_app(
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

/// Builds `app` from clean: its wall and CPU time.
fn build(app: &Path) -> Result<Cost, String> {
    let _ = std::fs::remove_dir_all(app.join("target"));
    let cpu_before = children_cpu_seconds();
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
    let wall = started.elapsed().as_secs_f64();
    if !status.success() {
        return Err(format!("cargo build failed in {}", app.display()));
    }
    let cpu = cpu_before
        .zip(children_cpu_seconds())
        .map(|(before, after)| after - before);
    Ok(Cost { wall, cpu })
}

/// User + system seconds of all the children this process has waited for, and of their
/// own waited-for descendants (cargo waits for rustc, build scripts and the linker, so
/// a finished `cargo build` counts whole).
#[cfg(unix)]
fn children_cpu_seconds() -> Option<f64> {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: `getrusage` writes one `rusage` through a valid, writable pointer and
    // touches nothing else; the value is read only when it reports success.
    let usage = unsafe {
        if libc::getrusage(libc::RUSAGE_CHILDREN, usage.as_mut_ptr()) != 0 {
            return None;
        }
        usage.assume_init()
    };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1_000_000.0;
    Some(seconds(usage.ru_utime) + seconds(usage.ru_stime))
}

#[cfg(not(unix))]
fn children_cpu_seconds() -> Option<f64> {
    None
}

/// Every unit of the build with how long it took, from the `--timings` report.
fn units(app: &Path) -> Result<Vec<(String, f64)>, String> {
    let report = app.join("target/cargo-timings/cargo-timing.html");
    let html = std::fs::read_to_string(&report)
        .map_err(|e| format!("cannot read {}: {e}", report.display()))?;
    parse_units(&html).ok_or_else(|| format!("no unit data in {}", report.display()))
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

/// Median (the mean of the middle two for an even count), minimum and maximum of a
/// non-empty list.
fn spread(times: &[f64]) -> (f64, f64, f64) {
    let mut sorted = times.to_vec();
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    let median = if sorted.len().is_multiple_of(2) {
        (sorted[middle - 1] + sorted[middle]) / 2.0
    } else {
        sorted[middle]
    };
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
    fn highlights_add_our_units_after_the_slowest() {
        let unit = |name: &str, seconds: f64| (name.to_owned(), seconds);
        let units = vec![
            unit("flowpayroll v0.1.0 build script (run)", 2.0),
            unit("syn v3.0.10", 3.0),
            unit("rustls v0.23.35", 4.0),
            unit("flowpayroll v0.1.0", 1.0),
            unit("tokio v1.48.0", 0.5),
        ];
        assert_eq!(
            highlights(units.clone(), 2),
            vec![
                unit("rustls v0.23.35", 4.0),
                unit("syn v3.0.10", 3.0),
                unit("flowpayroll v0.1.0 build script (run)", 2.0),
                unit("flowpayroll v0.1.0", 1.0),
            ]
        );
        assert_eq!(highlights(units, 3).len(), 4);
    }

    #[test]
    fn ratios_are_of_medians() {
        let cost = |wall: f64, cpu: Option<f64>| Cost { wall, cpu };
        let candidate = [
            cost(30.0, Some(60.0)),
            cost(20.0, Some(40.0)),
            cost(90.0, Some(50.0)),
        ];
        let baseline = [
            cost(20.0, Some(40.0)),
            cost(10.0, Some(50.0)),
            cost(15.0, Some(45.0)),
        ];
        assert_eq!(ratios(&candidate, &baseline), (2.0, Some(50.0 / 45.0)));
        let (_, cpu) = ratios(&[cost(1.0, None)], &baseline);
        assert_eq!(cpu, None);
    }

    #[cfg(unix)]
    #[test]
    fn a_waited_child_counts_in_cpu_time() {
        let before = children_cpu_seconds().unwrap();
        // A child that burns some CPU: the shell counting to a few hundred thousand.
        let status = Command::new("sh")
            .args(["-c", "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done"])
            .status()
            .unwrap();
        assert!(status.success());
        let after = children_cpu_seconds().unwrap();
        assert!(after > before, "{before} -> {after}");
    }

    #[test]
    fn spread_is_median_min_max() {
        assert_eq!(spread(&[3.0, 1.0, 2.0]), (2.0, 1.0, 3.0));
        assert_eq!(spread(&[5.0]), (5.0, 5.0, 5.0));
        assert_eq!(spread(&[4.0, 1.0]), (2.5, 1.0, 4.0));
    }
}
