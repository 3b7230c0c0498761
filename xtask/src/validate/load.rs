//! Reading a document: YAML 1.2 (JSON included) into a JSON value in one pass, with the
//! line of every node by JSON pointer and the YAML portability problems a value hides
//! (duplicate keys, plain scalars that YAML 1.1 parsers read differently).
//!
//! Plain scalars are resolved with the YAML 1.2 core schema, as OpenAPI 3.0 requires:
//! `090` and `007` are integers, `yes` and `2023-03-01` are strings. Anchors, aliases and
//! merge keys (`<<`) are expanded. What is read is bounded: nesting depth and the number
//! of nodes after alias expansion.

use std::collections::{HashMap, HashSet};

use saphyr_parser::{Event, Parser, ScalarStyle, Tag};
use serde_json::{Map, Value};

use super::pointer::escape;
use super::scalars::resolve;
use super::yaml11;

/// The deepest nesting read.
const MAX_DEPTH: usize = 256;
/// The most nodes a document may expand to (aliases included).
const MAX_NODES: usize = 5_000_000;

/// A document read from text.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Its content.
    pub value: Value,
    /// Where each node is.
    pub lines: Lines,
    /// (pointer, message) of each portability problem.
    pub portability: Vec<(String, String)>,
}

/// The line of each node, by JSON pointer.
#[derive(Debug, Default)]
pub struct Lines(HashMap<String, usize>);

impl Lines {
    /// The line of the node at `pointer`, or of its nearest ancestor that has one.
    pub fn line(&self, pointer: &str) -> usize {
        let mut pointer = pointer;
        loop {
            if let Some(line) = self.0.get(pointer) {
                return *line;
            }
            match pointer.rfind('/') {
                Some(cut) => pointer = &pointer[..cut],
                None => return 1,
            }
        }
    }
}

/// Why the text is not a YAML document: (line, column, message).
pub type SyntaxError = (usize, usize, String);

enum Frame {
    Map {
        pointer: String,
        map: Map<String, Value>,
        key: Option<String>,
        /// The line of `key`: where the value it names is reported.
        key_line: usize,
        seen: HashSet<String>,
        merged: Vec<Value>,
        anchor: usize,
        start: usize,
    },
    Seq {
        pointer: String,
        items: Vec<Value>,
        anchor: usize,
        start: usize,
    },
}

struct Builder {
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Value, usize)>,
    nodes: usize,
    loaded: Loaded,
    root: Option<Value>,
}

/// Reads `text` as one YAML 1.2 document.
pub fn load(text: &str) -> Result<Loaded, SyntaxError> {
    let mut builder = Builder {
        stack: Vec::new(),
        anchors: HashMap::new(),
        nodes: 0,
        loaded: Loaded::default(),
        root: None,
    };
    for event in Parser::new_from_str(text) {
        let (event, span) =
            event.map_err(|e| (e.marker().line(), e.marker().col() + 1, e.info().to_owned()))?;
        let line = span.start.line();
        builder.event(event, line)?;
        if builder.root.is_some() {
            break;
        }
    }
    let mut loaded = builder.loaded;
    loaded.value = builder.root.unwrap_or(Value::Null);
    Ok(loaded)
}

impl Builder {
    fn event(&mut self, event: Event<'_>, line: usize) -> Result<(), SyntaxError> {
        // A scalar where a mapping expects a key is the key.
        if let (
            Event::Scalar(text, ..),
            Some(Frame::Map {
                key: key @ None,
                key_line,
                seen,
                pointer,
                ..
            }),
        ) = (&event, self.stack.last_mut())
        {
            if !seen.insert(text.to_string()) {
                self.loaded.portability.push((
                    format!("{pointer}/{}", escape(text)),
                    format!("duplicate key `{text}`: YAML parsers disagree on which value wins (this tool keeps the last)"),
                ));
            }
            *key = Some(text.to_string());
            *key_line = line;
            return Ok(());
        }
        // A mapping's value is reported at its key (a block value starts a line below).
        let line = match self.stack.last() {
            Some(Frame::Map { key_line, .. }) => *key_line,
            _ => line,
        };
        let pointer = match self.stack.last_mut() {
            Some(Frame::Map { pointer, key, .. }) => {
                format!("{pointer}/{}", escape(key.as_deref().unwrap_or("?")))
            }
            Some(Frame::Seq { pointer, items, .. }) => format!("{pointer}/{}", items.len()),
            None => String::new(),
        };
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                let value = self.scalar(&text, style, tag.as_deref(), &pointer);
                self.loaded.lines.0.insert(pointer, line);
                self.count(1, line)?;
                if anchor != 0 {
                    self.anchors.insert(anchor, (value.clone(), 1));
                }
                self.push(value);
            }
            Event::Alias(anchor) => {
                let size = self.anchors.get(&anchor).map(|(_, size)| *size).ok_or((
                    line,
                    1,
                    format!("unknown alias {anchor}"),
                ))?;
                // Counted before it is copied: an alias bomb stops here.
                self.count(size, line)?;
                let value = self.anchors[&anchor].0.clone();
                self.loaded.lines.0.insert(pointer, line);
                self.push(value);
            }
            Event::MappingStart(anchor, _) => {
                self.open(line)?;
                self.loaded.lines.0.insert(pointer.clone(), line);
                self.stack.push(Frame::Map {
                    pointer,
                    map: Map::new(),
                    key: None,
                    key_line: line,
                    seen: HashSet::new(),
                    merged: Vec::new(),
                    anchor,
                    start: self.nodes,
                });
            }
            Event::SequenceStart(anchor, _) => {
                self.open(line)?;
                self.loaded.lines.0.insert(pointer.clone(), line);
                self.stack.push(Frame::Seq {
                    pointer,
                    items: Vec::new(),
                    anchor,
                    start: self.nodes,
                });
            }
            Event::MappingEnd | Event::SequenceEnd => self.close(),
            _ => {}
        }
        Ok(())
    }

    fn open(&mut self, line: usize) -> Result<(), SyntaxError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err((line, 1, format!("nested deeper than {MAX_DEPTH} levels")));
        }
        self.count(1, line)
    }

    fn count(&mut self, nodes: usize, line: usize) -> Result<(), SyntaxError> {
        self.nodes = self.nodes.saturating_add(nodes);
        if self.nodes > MAX_NODES {
            return Err((line, 1, format!("expands to more than {MAX_NODES} nodes")));
        }
        Ok(())
    }

    fn close(&mut self) {
        let (value, anchor, start) = match self.stack.pop() {
            Some(Frame::Map {
                mut map,
                merged,
                anchor,
                start,
                ..
            }) => {
                // Merge keys: keys written in the mapping win, then earlier merged maps.
                for source in merged {
                    let sources = match source {
                        Value::Array(items) => items,
                        other => vec![other],
                    };
                    for (key, value) in sources
                        .into_iter()
                        .filter_map(|s| match s {
                            Value::Object(o) => Some(o),
                            _ => None,
                        })
                        .flatten()
                    {
                        map.entry(key).or_insert(value);
                    }
                }
                (Value::Object(map), anchor, start)
            }
            Some(Frame::Seq {
                items,
                anchor,
                start,
                ..
            }) => (Value::Array(items), anchor, start),
            None => return,
        };
        if anchor != 0 {
            // Nodes read since it opened (its own and what its aliases expanded to).
            let size = self.nodes.saturating_sub(start);
            self.anchors.insert(anchor, (value.clone(), size));
        }
        self.push(value);
    }

    fn push(&mut self, value: Value) {
        match self.stack.last_mut() {
            Some(Frame::Map {
                map, key, merged, ..
            }) => {
                let key = key.take().unwrap_or_default();
                if key == "<<" {
                    merged.push(value);
                } else {
                    map.insert(key, value);
                }
            }
            Some(Frame::Seq { items, .. }) => items.push(value),
            None => self.root = Some(value),
        }
    }

    fn scalar(
        &mut self,
        text: &str,
        style: ScalarStyle,
        tag: Option<&Tag>,
        pointer: &str,
    ) -> Value {
        let core = tag.filter(|t| t.handle == "tag:yaml.org,2002:" || t.handle == "!!");
        if let Some(tag) = core {
            if tag.suffix == "str" {
                return Value::String(text.to_owned());
            }
        }
        if style != ScalarStyle::Plain && core.is_none() {
            return Value::String(text.to_owned());
        }
        if let Some(problem) = yaml11::differs(text) {
            self.loaded
                .portability
                .push((pointer.to_owned(), format!("plain `{text}` {problem}")));
        }
        match resolve(text) {
            Some(value) => value,
            None => {
                if matches!(
                    text,
                    ".inf"
                        | ".Inf"
                        | ".INF"
                        | "-.inf"
                        | "-.Inf"
                        | "-.INF"
                        | "+.inf"
                        | ".nan"
                        | ".NaN"
                        | ".NAN"
                ) {
                    self.loaded.portability.push((
                        pointer.to_owned(),
                        format!("`{text}` is a YAML float that JSON cannot hold; read as a string"),
                    ));
                }
                Value::String(text.to_owned())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lines_are_indexed_by_pointer() {
        let loaded = load("a:\n  b: 1\n  c:\n    - x\n    - {d: 2}\n\"/x~y\": 3\n").unwrap();
        assert_eq!(loaded.lines.line("/a/b"), 2);
        assert_eq!(loaded.lines.line("/a/c/1/d"), 5);
        assert_eq!(loaded.lines.line("/a/c/1/missing"), 5);
        assert_eq!(loaded.lines.line("/~1x~0y"), 6);
    }

    #[test]
    fn anchors_aliases_and_merge_keys_are_expanded() {
        let text = "base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\nlist: [*b]\n";
        let loaded = load(text).unwrap();
        assert_eq!(loaded.value["use"], json!({"x": 1, "y": 3}));
        assert_eq!(loaded.value["list"], json!([{"x": 1, "y": 2}]));
    }

    #[test]
    fn duplicate_keys_are_reported_and_the_last_wins() {
        let loaded = load("a: 1\na: 2\n").unwrap();
        assert_eq!(loaded.value, json!({"a": 2}));
        assert_eq!(loaded.portability[0].0, "/a");
    }

    #[test]
    fn alias_bombs_and_deep_nesting_are_refused() {
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = i - 1;
            bomb.push_str(&format!("a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"));
        }
        assert!(load(&bomb).unwrap_err().2.contains("expands"));
        let deep = format!("{}1{}", "[".repeat(300), "]".repeat(300));
        let error = load(&deep).unwrap_err().2;
        assert!(
            error.contains("nested") || error.contains("recursion"),
            "{error}"
        );
    }

    #[test]
    fn json_is_read_too() {
        let loaded = load("{\"openapi\": \"3.0.3\", \"n\": [1, 2.5, null]}").unwrap();
        assert_eq!(
            loaded.value,
            json!({"openapi": "3.0.3", "n": [1, 2.5, null]})
        );
    }
}
