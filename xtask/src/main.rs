//! Maintainer commands for the flowpayroll workspace: `cargo xtask <command>`.

fn main() -> std::process::ExitCode {
    eprintln!("usage: cargo xtask validate [PATH...]  (not implemented yet)");
    std::process::ExitCode::from(2)
}
