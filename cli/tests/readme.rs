//! cli/README.md against the binary: every command line of its command list is a
//! command the tool has (`COMMAND --help` succeeds), with every flag it shows listed in
//! that command's help, and so are the global flags. (The docs' `cargo` commands and
//! links are checked by the library's `tests/docs.rs` and `.ci/links`.)

mod common;

use common::command;

/// The lines of the README's fenced `text` blocks. A fence scan of one file we write
/// ourselves; the library's docs tests parse Markdown with pulldown-cmark.
fn text_block_lines() -> Vec<String> {
    let readme = include_str!("../README.md");
    let mut lines = Vec::new();
    let mut inside = false;
    for line in readme.lines() {
        match (inside, line.trim()) {
            (false, "```text") => inside = true,
            (true, "```") => inside = false,
            (true, text) => lines.push(text.to_owned()),
            _ => {}
        }
    }
    lines
}

/// `(subcommand words, flags)` of one documented command line: the words up to the
/// first flag, placeholder or comment, and every `--flag` of the line before its comment.
fn parse(line: &str) -> (Vec<String>, Vec<String>) {
    let line = line.split(" #").next().unwrap_or("");
    let words: Vec<&str> = line.split_whitespace().skip(1).collect();
    let subcommand = words
        .iter()
        .take_while(|w| {
            w.chars().all(|c| c.is_ascii_lowercase() || c == '-') && !w.starts_with('-')
        })
        .map(|w| (*w).to_owned())
        .collect();
    let flags = words
        .iter()
        .map(|w| w.trim_start_matches('['))
        .filter(|w| w.starts_with("--"))
        .map(|w| w.split(['=', ']']).next().unwrap_or(w).to_owned())
        .collect();
    (subcommand, flags)
}

fn help(words: &[String]) -> String {
    let output = command().args(words).arg("--help").output().unwrap();
    assert!(
        output.status.success(),
        "`flowpayroll {} --help` failed: {}",
        words.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn every_documented_command_and_flag_exists() {
    let lines = text_block_lines();
    let commands: Vec<&String> = lines
        .iter()
        .filter(|l| l.starts_with("flowpayroll "))
        .collect();
    assert!(
        commands.len() >= 10,
        "the README lists the commands: {commands:?}"
    );
    for line in commands {
        let (words, flags) = parse(line);
        assert!(!words.is_empty(), "no command in `{line}`");
        let help = help(&words);
        for flag in flags {
            assert!(
                help.contains(&flag),
                "`{line}`: `{flag}` is not in its help"
            );
        }
    }
    let global = lines
        .iter()
        .skip_while(|l| !l.starts_with("global flags:"))
        .take_while(|l| !l.is_empty())
        .flat_map(|l| l.split_whitespace())
        .filter(|w| w.starts_with("--"))
        .map(str::to_owned)
        .collect::<Vec<_>>();
    assert!(
        global.len() >= 5,
        "the README lists the global flags: {global:?}"
    );
    let top = help(&[]);
    for flag in global {
        assert!(
            top.contains(&flag),
            "global flag `{flag}` is not in `flowpayroll --help`"
        );
    }
}
