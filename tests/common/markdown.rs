//! The Markdown files of the repository, read with pulldown-cmark: their code blocks,
//! tables and code spans, for the docs checks (`tests/docs.rs`).

use std::path::{Path, PathBuf};

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

/// The workspace root (this crate's directory).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every Markdown file a reader of the crate meets: those at the root, and those in
/// `docs/` and in each workspace member's folder (not `target/`, not the test corpora).
pub fn markdown_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["", "docs", "cli", "bench", "fleet-tests", "xtask", "fuzz"] {
        let Ok(entries) = std::fs::read_dir(root().join(dir)) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "md") {
                files.push(path);
            }
        }
    }
    files.sort();
    assert!(files.len() >= 5, "found {} Markdown files", files.len());
    files
}

/// A fenced code block: its info string (`rust,no_run`), text and first line.
#[derive(Debug)]
pub struct Block {
    pub info: String,
    pub text: String,
    pub line: usize,
}

fn parser(text: &str) -> Parser<'_> {
    Parser::new_ext(text, Options::ENABLE_TABLES)
}

pub fn code_blocks(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut current: Option<Block> = None;
    for (event, range) in parser(text).into_offset_iter() {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                let line = text[..range.start].lines().count() + 1;
                let info = info.trim().to_owned();
                current = Some(Block {
                    info,
                    text: String::new(),
                    line,
                });
            }
            Event::Text(t) => {
                if let Some(block) = current.as_mut() {
                    block.text.push_str(&t);
                }
            }
            Event::End(TagEnd::CodeBlock) => blocks.extend(current.take()),
            _ => {}
        }
    }
    blocks
}

/// Each table of `text` as rows of cells, each cell its Markdown source, trimmed; the
/// header row first.
pub fn tables(text: &str) -> Vec<Vec<Vec<String>>> {
    let mut tables = Vec::new();
    let mut rows: Vec<Vec<String>> = Vec::new();
    for (event, range) in parser(text).into_offset_iter() {
        match event {
            Event::Start(Tag::TableHead | Tag::TableRow) => rows.push(Vec::new()),
            Event::Start(Tag::TableCell) => {
                let cell = text[range].trim().trim_matches('|').trim().to_owned();
                rows.last_mut().unwrap().push(cell);
            }
            Event::End(TagEnd::Table) => tables.push(std::mem::take(&mut rows)),
            _ => {}
        }
    }
    tables
}

/// The code spans (`` `like this` ``) of a piece of Markdown, in order.
pub fn spans(markdown: &str) -> Vec<String> {
    parser(markdown)
        .filter_map(|event| match event {
            Event::Code(code) => Some(code.into_string()),
            _ => None,
        })
        .collect()
}
