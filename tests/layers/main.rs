//! The crate's module structure, checked from its source: every path a module names into
//! another (`use crate::…`, `super::…`, `self::…`, a child module's name, or a path
//! written in code) is an edge, and
//!
//! * every module is in a layer of the table "How the crate is organised" in
//!   `src/lib.rs`, and imports only from its own layer or the ones above it in the table
//!   (the lower layers);
//! * nothing imports through the crate root (`crate::Error`): items come from the module
//!   that defines them;
//! * there is no cycle: between the table's modules, and between sibling modules inside
//!   each of them (a child may use its ancestors' items: it is part of them).
//!
//! Comments and doc comments are not read, so doc links do not count.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

mod graph;

use graph::{edges_of, find_cycle, module_of, Layers};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `dir` with its module path.
fn modules(dir: &Path, root: &Path, out: &mut BTreeMap<String, String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            modules(&path, root, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            let relative = path.strip_prefix(root).unwrap();
            out.insert(module_of(relative), std::fs::read_to_string(&path).unwrap());
        }
    }
}

fn crate_modules() -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    modules(&src(), &src(), &mut found);
    found
}

/// The problems of a crate made of `sources` (module path to text) under `layers`.
fn problems(sources: &BTreeMap<String, String>, layers: &Layers) -> Vec<String> {
    let known: BTreeSet<String> = sources.keys().cloned().collect();
    let mut problems = Vec::new();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, text) in sources {
        let Some((unit, layer)) = layers.unit_of(module) else {
            problems.push(format!("`{module}` is in no layer of src/lib.rs's table"));
            continue;
        };
        for target in edges_of(module, text, &known) {
            if target == "crate" && module != "crate" {
                problems.push(format!(
                    "`{module}` imports through the crate root; import from the defining module"
                ));
                continue;
            }
            if target == *module || graph::is_ancestor(&target, module) {
                continue;
            }
            let Some((target_unit, target_layer)) = layers.unit_of(&target) else {
                continue;
            };
            if target_unit != unit {
                if target_layer > layer {
                    problems.push(format!(
                        "`{module}` (layer {layer}) imports `{target}` (layer {target_layer}), up the layers"
                    ));
                }
                graph
                    .entry(format!("[{unit}]"))
                    .or_default()
                    .insert(format!("[{target_unit}]"));
            } else if let Some((from, to)) = graph::siblings(module, &target) {
                graph.entry(from).or_default().insert(to);
            }
        }
    }
    // Every cycle: report one, cut its first edge, look again.
    while let Some(cycle) = find_cycle(&graph) {
        problems.push(format!("import cycle: {}", cycle.join(" -> ")));
        graph.get_mut(&cycle[0]).unwrap().remove(&cycle[1]);
    }
    problems
}

fn layers() -> Layers {
    Layers::from_docs(&std::fs::read_to_string(src().join("lib.rs")).unwrap())
}

#[test]
fn the_crate_is_layered_without_cycles() {
    let layers = layers();
    assert!(layers.count() >= 8, "the table in src/lib.rs was not found");
    let problems = problems(&crate_modules(), &layers);
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

/// The problems of the crate with `line` added to the module `module`.
fn problems_with(module: &str, line: &str) -> String {
    let mut sources = crate_modules();
    sources.get_mut(module).unwrap().push_str(line);
    problems(&sources, &layers()).join("\n")
}

#[test]
fn the_check_finds_a_cycle_between_siblings() {
    // As `sandbox/routes` and `sandbox/token_endpoint` once were.
    let problems = problems_with("crate::sandbox::answer", "\nuse super::routes::router;\n");
    assert!(
        problems.contains("import cycle: crate::sandbox::answer -> crate::sandbox::routes")
            || problems.contains("import cycle: crate::sandbox::routes -> crate::sandbox::answer"),
        "{problems}"
    );
}

#[test]
fn the_check_finds_an_import_up_the_layers_and_its_cycle() {
    // As error.rs once reached into the retry engine for its classification.
    let problems = problems_with("crate::error", "\nfn f() { crate::retry::backoff(); }\n");
    assert!(
        problems
            .contains("`crate::error` (layer 3) imports `crate::retry` (layer 9), up the layers"),
        "{problems}"
    );
    assert!(problems.contains("import cycle: "), "{problems}");
}

#[test]
fn the_check_finds_an_import_through_the_crate_root() {
    let problems = problems_with("crate::config", "\nuse crate::Error;\n");
    assert_eq!(
        problems,
        "`crate::config` imports through the crate root; import from the defining module"
    );
}

#[test]
fn paths_are_read_from_use_trees_and_code_not_comments_or_literals() {
    let known: BTreeSet<String> = [
        "crate",
        "crate::a",
        "crate::a::b",
        "crate::a::c",
        "crate::d",
        "crate::a::b::e",
        "crate::z",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    let text = "// use crate::d;\nuse e::X;\nuse super::{c::Y, super::d::{self, Z}};\n\
                fn f() -> crate::d::W { \"crate::a\" }\nmod tests { use super::*; }\n\
                /* a /* nested */ use crate::z; still a comment: crate::z */\n\
                /// Doc text naming crate::z is not an import.\n\
                fn g<'a>(x: &'a str) -> char { let _ = r#\"crate::z\"#; '\\'' }\n";
    let edges: BTreeSet<String> = edges_of("crate::a::b", text, &known);
    let expected: BTreeSet<String> = ["crate::a::b::e", "crate::a::c", "crate::d", "crate::a::b"]
        .into_iter()
        .map(String::from)
        .collect();
    assert_eq!(edges, expected);
}

/// The `.rs` files under `dir` (recursively), skipping build output.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() && !path.ends_with("target") && !path.ends_with("node_modules") {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// Every hand-written Rust file of the workspace is under 400 lines (CONTRIBUTING):
/// a file that grows past it is split by job, not left for a reader to page through.
#[test]
fn every_rust_file_is_under_400_lines() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in [
        "src",
        "build",
        "tests",
        "examples",
        "cli",
        "xtask",
        "fleet-tests",
        "bench",
        "fuzz",
    ] {
        rust_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 100, "only {} files found", files.len());
    let long: Vec<String> = files
        .iter()
        .filter_map(|file| {
            let lines = std::fs::read_to_string(file).unwrap().lines().count();
            (lines >= 400).then(|| {
                format!(
                    "{} ({lines} lines)",
                    file.strip_prefix(root).unwrap().display()
                )
            })
        })
        .collect();
    assert!(long.is_empty(), "files of 400 lines or more: {long:?}");
}
