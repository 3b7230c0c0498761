//! Reading module paths out of Rust source, and the graph algorithms of the layering
//! check: tokens from proc-macro2 (syn's lexer), `use` trees, the
//! layer table of `src/lib.rs`, sibling edges and cycle search.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The module path of a file under `src/` (`error/mod.rs` is `crate::error`).
pub fn module_of(relative: &Path) -> String {
    let mut parts: Vec<String> = relative
        .iter()
        .map(|part| part.to_string_lossy().trim_end_matches(".rs").to_owned())
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    std::iter::once("crate".to_owned())
        .chain(parts)
        .collect::<Vec<_>>()
        .join("::")
}

pub fn is_ancestor(ancestor: &str, module: &str) -> bool {
    module.starts_with(&format!("{ancestor}::"))
}

/// The layer table: rows of the "How the crate is organised" table in the crate docs,
/// `//! | n | `module`, `module` | job |`, numbered from the bottom.
pub struct Layers(Vec<(String, usize)>);

impl Layers {
    pub fn from_docs(lib: &str) -> Self {
        let mut units = Vec::new();
        for line in lib.lines() {
            let Some(row) = line.trim().strip_prefix("//! |") else {
                continue;
            };
            let cells: Vec<&str> = row.split('|').map(str::trim).collect();
            let Ok(layer) = cells[0].parse::<usize>() else {
                continue;
            };
            for name in cells[1].split(',') {
                let name = name.trim().trim_matches('`');
                let path = if name == "crate" {
                    name.to_owned()
                } else {
                    format!("crate::{name}")
                };
                units.push((path, layer));
            }
        }
        Layers(units)
    }

    pub fn count(&self) -> usize {
        self.0
            .iter()
            .map(|(_, layer)| *layer)
            .collect::<BTreeSet<_>>()
            .len()
    }

    /// The table's entry a module belongs to (the longest that names it or an
    /// ancestor; the crate root only by itself) and its layer.
    pub fn unit_of(&self, module: &str) -> Option<(&str, usize)> {
        self.0
            .iter()
            .filter(|(unit, _)| unit == module || (unit != "crate" && is_ancestor(unit, module)))
            .max_by_key(|(unit, _)| unit.len())
            .map(|(unit, layer)| (unit.as_str(), *layer))
    }
}

#[derive(Debug, PartialEq)]
enum Token {
    Ident(String),
    Path,
    Open,
    Close,
    Comma,
    Other,
}

/// The tokens of `text`, lexed by proc-macro2 (syn's lexer): comments, nested block
/// comments included, are dropped, doc comments become attributes whose text is a
/// literal, and strings, raw strings and chars are single literals. Source that does
/// not lex (it would not compile either) gives no tokens.
fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    if let Ok(stream) = text.parse::<proc_macro2::TokenStream>() {
        flatten(stream, &mut out);
    }
    out
}

fn flatten(stream: proc_macro2::TokenStream, out: &mut Vec<Token>) {
    use proc_macro2::{Delimiter, Spacing, TokenTree};
    let mut trees = stream.into_iter().peekable();
    while let Some(tree) = trees.next() {
        match tree {
            TokenTree::Ident(ident) => out.push(Token::Ident(ident.to_string())),
            TokenTree::Punct(p) if p.as_char() == ':' && p.spacing() == Spacing::Joint => {
                // `::` is two joint `:`s.
                if matches!(trees.peek(), Some(TokenTree::Punct(q)) if q.as_char() == ':') {
                    trees.next();
                    out.push(Token::Path);
                } else {
                    out.push(Token::Other);
                }
            }
            TokenTree::Punct(p) if p.as_char() == ',' => out.push(Token::Comma),
            TokenTree::Punct(_) | TokenTree::Literal(_) => out.push(Token::Other),
            TokenTree::Group(group) => {
                let braces = group.delimiter() == Delimiter::Brace;
                out.push(if braces { Token::Open } else { Token::Other });
                flatten(group.stream(), out);
                out.push(if braces { Token::Close } else { Token::Other });
            }
        }
    }
}

/// Paths (as segment lists) of the use tree or path starting at `tokens[*at]`.
fn tree(tokens: &[Token], at: &mut usize, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    let mut path = prefix;
    loop {
        match tokens.get(*at) {
            Some(Token::Ident(name)) => {
                *at += 1;
                if name != "self" || path.is_empty() {
                    path.push(name.clone());
                }
                if tokens.get(*at) == Some(&Token::Path) {
                    *at += 1;
                    continue;
                }
                out.push(path);
                return;
            }
            Some(Token::Open) => {
                *at += 1;
                loop {
                    match tokens.get(*at) {
                        Some(Token::Close) | None => {
                            *at += 1;
                            return;
                        }
                        Some(Token::Comma) => *at += 1,
                        _ => {
                            let before = *at;
                            tree(tokens, at, path.clone(), out);
                            if *at == before {
                                // `*` or another token that ends the path: skip it.
                                *at += 1;
                            }
                        }
                    }
                }
            }
            _ => {
                out.push(path);
                return;
            }
        }
    }
}

/// The modules of `known` that the source of `module` names.
pub fn edges_of(module: &str, text: &str, known: &BTreeSet<String>) -> BTreeSet<String> {
    let tokens = tokens(text);
    // Inline modules open at each brace depth (`mod tests { ... }`).
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0;
    let mut found = BTreeSet::new();
    let mut at = 0;
    while at < tokens.len() {
        let here = |inline: &Vec<(String, usize)>| {
            let mut path = module.to_owned();
            for (name, _) in inline {
                path = format!("{path}::{name}");
            }
            path
        };
        match &tokens[at] {
            Token::Open => depth += 1,
            Token::Close => {
                depth -= 1;
                inline.retain(|(_, open)| *open <= depth);
            }
            Token::Ident(word)
                if word == "mod"
                    && matches!(tokens.get(at + 1), Some(Token::Ident(_)))
                    && tokens.get(at + 2) == Some(&Token::Open) =>
            {
                if let Some(Token::Ident(name)) = tokens.get(at + 1) {
                    inline.push((name.clone(), depth + 1));
                }
            }
            Token::Ident(word) if tokens.get(at + 1) == Some(&Token::Path) => {
                // A child module's name starts a path too (`use flight::…`, `routes::router`).
                let child = format!("{}::{word}", here(&inline));
                let starts =
                    matches!(word.as_str(), "crate" | "super" | "self") || known.contains(&child);
                let preceded_by_path = at > 0 && tokens[at - 1] == Token::Path;
                if starts && !preceded_by_path {
                    let mut paths = Vec::new();
                    tree(&tokens, &mut at, Vec::new(), &mut paths);
                    for path in paths {
                        if let Some(target) = resolve(&here(&inline), &path, known) {
                            found.insert(target);
                        }
                    }
                    continue;
                }
            }
            _ => {}
        }
        at += 1;
    }
    found
}

/// The known module a path written in `module` names (its longest known prefix).
fn resolve(module: &str, path: &[String], known: &BTreeSet<String>) -> Option<String> {
    let mut current: Vec<&str> = module.split("::").collect();
    let mut rest = path;
    match rest.first().map(String::as_str) {
        Some("crate") => {
            current = vec!["crate"];
            rest = &rest[1..];
        }
        Some("self") => rest = &rest[1..],
        Some("super") => {
            while rest.first().map(String::as_str) == Some("super") {
                current.pop();
                rest = &rest[1..];
            }
        }
        _ => {}
    }
    let mut best = None;
    let mut path = current.join("::");
    if known.contains(&path) {
        best = Some(path.clone());
    }
    for segment in rest {
        path = format!("{path}::{segment}");
        if known.contains(&path) {
            best = Some(path.clone());
        }
    }
    // An inline module's own path is not a file: its file module stands for it.
    best.or_else(|| {
        let mut parts = current.clone();
        while !parts.is_empty() {
            let candidate = parts.join("::");
            if known.contains(&candidate) {
                return Some(candidate);
            }
            parts.pop();
        }
        None
    })
}

/// An edge `from -> to` as one between the two siblings under their lowest common
/// ancestor that contain them; `None` when `from` is an ancestor of `to` (a module uses
/// its own children).
pub fn siblings(from: &str, to: &str) -> Option<(String, String)> {
    let a: Vec<&str> = from.split("::").collect();
    let b: Vec<&str> = to.split("::").collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    if common >= a.len() || common >= b.len() {
        return None;
    }
    Some((a[..=common].join("::"), b[..=common].join("::")))
}

/// A cycle of `graph`, as the nodes around it, if it has one.
pub fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        done: &mut BTreeSet<String>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|n| n == node) {
            let mut cycle = stack[at..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, done, stack) {
                return Some(cycle);
            }
        }
        stack.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut done, &mut Vec::new()))
}
