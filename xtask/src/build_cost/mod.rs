//! `cargo xtask build-cost`: what a user's clean build pays for flowpayroll. Writes a
//! minimal application per variant (flowpayroll with each TLS choice, and bare reqwest
//! with the same reqwest features and TLS set-up as the baseline), builds each from
//! clean with `cargo build --timings`, and prints the wall time, the CPU time (user +
//! system of cargo and everything it ran), the slowest units and flowpayroll's own units.
//! Variants run back to back in each round, so a baseline and its candidate see the same
//! machine load; the load average is printed with every build. On a shared, busy machine
//! wall times swing with the load and CPU times do not (much): compare those.

mod app;
mod measure;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::pregenerated;
use app::{write_app, Variant, VARIANTS};
use measure::{build, load_average, spread, units};

/// What `cargo xtask build-cost` was asked (parsed by clap in `main.rs`).
pub struct Options {
    pub dir: PathBuf,
    /// The flowpayroll source to depend on (default: this workspace).
    pub source: Option<PathBuf>,
    pub rounds: usize,
    /// Variant names, each one of [`variant_names`] (clap checks them).
    pub only: Vec<String>,
    /// How many of the slowest units to print.
    pub units: usize,
    pub keep: bool,
}

/// The names `--only` accepts.
pub fn variant_names() -> Vec<&'static str> {
    VARIANTS.iter().map(|v| v.name).collect()
}

/// What one clean build cost.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Cost {
    pub(super) wall: f64,
    /// User + system seconds of the cargo process tree; `None` where not measurable.
    pub(super) cpu: Option<f64>,
}

pub fn main(options: &Options) -> ExitCode {
    match run(options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
