//! Measuring one clean build: wall time, CPU time of the cargo process tree (getrusage),
//! the units of cargo's timing report, the load average, and median / min / max.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use super::Cost;

/// Builds `app` from clean: its wall and CPU time.
pub(super) fn build(app: &Path) -> Result<Cost, String> {
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
pub(super) fn children_cpu_seconds() -> Option<f64> {
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
pub(super) fn children_cpu_seconds() -> Option<f64> {
    None
}

/// Every unit of the build with how long it took, from the `--timings` report.
pub(super) fn units(app: &Path) -> Result<Vec<(String, f64)>, String> {
    let report = app.join("target/cargo-timings/cargo-timing.html");
    let html = std::fs::read_to_string(&report)
        .map_err(|e| format!("cannot read {}: {e}", report.display()))?;
    parse_units(&html).ok_or_else(|| format!("no unit data in {}", report.display()))
}

/// The units of a `cargo build --timings` HTML report: name, version and target, and
/// how long each took.
pub(super) fn parse_units(html: &str) -> Option<Vec<(String, f64)>> {
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

pub(super) fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| text.split(' ').take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_owned())
}

/// Median (the mean of the middle two for an even count), minimum and maximum of a
/// non-empty list.
pub(super) fn spread(times: &[f64]) -> (f64, f64, f64) {
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
