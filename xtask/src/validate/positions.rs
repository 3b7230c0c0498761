//! Where things are in the YAML text: the line of every node, by JSON pointer, and the
//! YAML hygiene problems that a typed parse hides (duplicate keys, plain scalars that
//! YAML 1.1 parsers read as booleans, numbers or dates).

use std::collections::{HashMap, HashSet};

use saphyr_parser::{Event, Parser, ScalarStyle};

/// The line of each node, and the hygiene findings.
#[derive(Debug, Default)]
pub struct Positions {
    lines: HashMap<String, usize>,
    /// (line, pointer, message) for each hygiene problem.
    pub hygiene: Vec<(usize, String, String)>,
}

impl Positions {
    /// The line of the node at `pointer`, or of its nearest ancestor that has one.
    pub fn line(&self, pointer: &str) -> usize {
        let mut pointer = pointer;
        loop {
            if let Some(line) = self.lines.get(pointer) {
                return *line;
            }
            match pointer.rfind('/') {
                Some(cut) => pointer = &pointer[..cut],
                None => return 1,
            }
        }
    }
}

enum Frame {
    Map {
        pointer: String,
        key: Option<String>,
        seen: HashSet<String>,
    },
    Seq {
        pointer: String,
        next: usize,
    },
}

/// Escapes one JSON pointer segment (RFC 6901).
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Indexes `text`. A syntax error is returned as (line, column, message).
pub fn index(text: &str) -> Result<Positions, (usize, usize, String)> {
    let mut positions = Positions::default();
    let mut stack: Vec<Frame> = Vec::new();
    for event in Parser::new_from_str(text) {
        let (event, span) =
            event.map_err(|e| (e.marker().line(), e.marker().col() + 1, e.info().to_owned()))?;
        let line = span.start.line();
        // Is this node a mapping key? If not, where does it go?
        let slot = match stack.last_mut() {
            Some(Frame::Map {
                key: None, seen, ..
            }) => match &event {
                Event::Scalar(value, ..) => {
                    if !seen.insert(value.to_string()) {
                        let pointer = current_pointer(&stack);
                        positions.hygiene.push((
                            line,
                            pointer,
                            format!("duplicate key `{value}` (YAML parsers disagree on which value wins)"),
                        ));
                    }
                    if let Some(Frame::Map { key, .. }) = stack.last_mut() {
                        *key = Some(value.to_string());
                    }
                    continue;
                }
                Event::MappingEnd => None,
                _ => Some(String::from("?")),
            },
            Some(Frame::Map {
                pointer,
                key: Some(key),
                ..
            }) => Some(format!("{pointer}/{}", escape(key))),
            Some(Frame::Seq { pointer, next }) => match &event {
                Event::SequenceEnd => None,
                _ => {
                    let child = format!("{pointer}/{next}");
                    *next += 1;
                    Some(child)
                }
            },
            None => Some(String::new()),
        };
        match event {
            Event::Scalar(value, style, ..) => {
                let pointer = slot.unwrap_or_default();
                if style == ScalarStyle::Plain {
                    if let Some(problem) = retyped_by_yaml_1_1(&value) {
                        positions.hygiene.push((
                            line,
                            pointer.clone(),
                            format!("plain `{value}` {problem}; quote it"),
                        ));
                    }
                }
                positions.lines.insert(pointer, line);
                value_done(&mut stack);
            }
            Event::MappingStart(..) => {
                let pointer = slot.unwrap_or_default();
                positions.lines.insert(pointer.clone(), line);
                stack.push(Frame::Map {
                    pointer,
                    key: None,
                    seen: HashSet::new(),
                });
            }
            Event::SequenceStart(..) => {
                let pointer = slot.unwrap_or_default();
                positions.lines.insert(pointer.clone(), line);
                stack.push(Frame::Seq { pointer, next: 0 });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                stack.pop();
                value_done(&mut stack);
            }
            Event::Alias(_) => value_done(&mut stack),
            _ => {}
        }
    }
    Ok(positions)
}

fn current_pointer(stack: &[Frame]) -> String {
    match stack.last() {
        Some(Frame::Map { pointer, .. } | Frame::Seq { pointer, .. }) => pointer.clone(),
        None => String::new(),
    }
}

/// After a mapping value, the mapping expects a key again.
fn value_done(stack: &mut [Frame]) {
    if let Some(Frame::Map { key, .. }) = stack.last_mut() {
        *key = None;
    }
}

/// What a YAML 1.1 parser would make of a plain scalar that YAML 1.2 reads as a string.
fn retyped_by_yaml_1_1(value: &str) -> Option<&'static str> {
    const BOOLEANS: [&str; 16] = [
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off",
        "OFF",
    ];
    let bytes = value.as_bytes();
    if BOOLEANS.contains(&value) {
        return Some("is a boolean to YAML 1.1 parsers");
    }
    if bytes.len() > 1 && bytes[0] == b'0' && bytes.iter().all(u8::is_ascii_digit) {
        return Some("is an octal number to YAML 1.1 parsers");
    }
    let is_date = bytes.len() >= 10
        && bytes[..4].iter().all(u8::is_ascii_digit)
        && bytes[4] == b'-'
        && bytes[5..7].iter().all(u8::is_ascii_digit)
        && bytes[7] == b'-'
        && bytes[8..10].iter().all(u8::is_ascii_digit);
    if is_date {
        return Some("is a date to YAML 1.1 parsers");
    }
    let sexagesimal = value.contains(':')
        && value
            .split(':')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()));
    if sexagesimal {
        return Some("is a base-60 number to YAML 1.1 parsers");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_indexed_by_pointer() {
        let text = "a:\n  b: 1\n  c:\n    - x\n    - {d: 2}\n";
        let positions = index(text).unwrap();
        assert_eq!(positions.line("/a/b"), 2);
        assert_eq!(positions.line("/a/c/1/d"), 5);
        assert_eq!(positions.line("/a/c/1/missing"), 5);
    }

    #[test]
    fn hygiene_finds_duplicates_and_retyped_scalars() {
        let text = "a: 1\nb: on\nc: 0755\nd: 2023-03-01\ne: '2023-03-01'\na: 2\nf: 1:30\n";
        let found: Vec<_> = index(text)
            .unwrap()
            .hygiene
            .into_iter()
            .map(|(line, ..)| line)
            .collect();
        assert_eq!(found, vec![2, 3, 4, 6, 7]);
    }
}
