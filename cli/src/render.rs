//! How results and errors look: a command's [`View`] printed as an aligned table or as
//! JSON, and an [`Error`] as one sentence for stderr. Server text is made terminal-safe
//! on the way out (see [`crate::escape`]): escaped in table cells and error sentences,
//! and written as JSON `\uXXXX` escapes in JSON, which parses back to the exact value.

use std::io::{self, Write};

use flowpayroll::Error;
use serde::Serialize as _;
use serde_json::ser::{Formatter, PrettyFormatter};
use serde_json::Value;

use crate::args::Output;
use crate::escape::{escape, is_unsafe};

/// A command's result: the JSON document and the same data as table rows.
#[derive(Debug)]
pub struct View {
    json: Value,
    headers: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

impl View {
    /// A view of `json`, shown as a table with `headers` and `rows`.
    pub fn new(json: Value, headers: &[&'static str], rows: Vec<Vec<String>>) -> Self {
        Self {
            json,
            headers: headers.to_vec(),
            rows,
        }
    }
}

/// Writes `view` to `out` in `output` and flushes.
pub fn print(out: &mut impl Write, output: Output, view: &View) -> io::Result<()> {
    match output {
        Output::Json => {
            let mut serializer =
                serde_json::Serializer::with_formatter(&mut *out, TerminalSafeJson::default());
            view.json.serialize(&mut serializer)?;
            writeln!(out)?;
        }
        Output::Table => out.write_all(table(&view.headers, &view.rows).as_bytes())?,
    }
    out.flush()
}

/// A plain aligned table, its cells escaped.
fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| row.iter().map(|cell| escape(cell).into_owned()).collect())
        .collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.len()).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        format!("{}\n", padded.join("  ").trim_end())
    };
    let mut out = line(headers.to_vec());
    for row in &rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

/// The error as one line, with the HTTP status and the server's message, escaped.
pub fn sentence(error: &Error) -> String {
    escape(&unescaped_sentence(error)).into_owned()
}

fn unescaped_sentence(error: &Error) -> String {
    match error.as_api() {
        Some(api) => {
            let mut text = format!("`{}` failed with HTTP {}", api.operation(), api.status());
            match api.message() {
                Some(message) => text.push_str(&format!(": {message}")),
                None if !api.raw_body().is_empty() => {
                    text.push_str(&format!(": {}", api.raw_body()))
                }
                None => {}
            }
            // The id support asks for (`X-Request-Id`), when the server sent one.
            if let Some(id) = api.request_id() {
                text.push_str(&format!(" (request id {id})"));
            }
            text
        }
        None => error.to_string(),
    }
}

/// Pretty JSON whose strings carry no raw terminal controls: serde_json already writes
/// C0 controls as escapes; this also writes DEL, C1 and the bidi and line-separator
/// characters as `\uXXXX`.
#[derive(Debug, Default)]
struct TerminalSafeJson(PrettyFormatter<'static>);

impl Formatter for TerminalSafeJson {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut rest = fragment;
        while let Some((at, c)) = rest.char_indices().find(|&(_, c)| is_unsafe(c)) {
            writer.write_all(&rest.as_bytes()[..at])?;
            // Every unsafe character is in the Basic Multilingual Plane: one escape.
            write!(writer, "\\u{:04x}", u32::from(c))?;
            rest = &rest[at + c.len_utf8()..];
        }
        writer.write_all(rest.as_bytes())
    }

    fn begin_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_array(writer)
    }

    fn end_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array(writer)
    }

    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(writer, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array_value(writer)
    }

    fn begin_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object(writer)
    }

    fn end_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object(writer)
    }

    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(writer, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object_value(writer)
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object_value(writer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::escape::tests::hostile_text;
    use proptest::prelude::*;
    use serde_json::json;

    fn json_text(value: &Value) -> String {
        let view = View::new(value.clone(), &[], Vec::new());
        let mut out = Vec::new();
        print(&mut out, Output::Json, &view).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn json_is_pretty_and_escapes_terminal_controls() {
        let value = json!({"a": ["x\u{1b}[2J\u{9b}\u{202e}\u{7f}y"], "b": {}});
        let text = json_text(&value);
        assert_eq!(
            text,
            "{\n  \"a\": [\n    \"x\\u001b[2J\\u009b\\u202e\\u007fy\"\n  ],\n  \"b\": {}\n}\n"
        );
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), value);
    }

    #[test]
    fn table_cells_are_escaped_and_aligned() {
        let rows = vec![vec!["a\u{1b}[2J".to_owned(), "b".to_owned()]];
        assert_eq!(
            table(&["ONE", "TWO"], &rows),
            "ONE         TWO\na\\u{1b}[2J  b\n"
        );
    }

    proptest! {
        /// Exists for the escaping branch of `TerminalSafeJson` (C1, bidi and
        /// separators written as `\\uXXXX`, which serde_json alone leaves raw) beside
        /// serde_json's own escapes of C0: text from the weighted generator of
        /// `escape::tests`, whose reach that module's tests count.
        #[test]
        fn json_round_trips_exactly_and_is_terminal_safe(key in hostile_text(), text in hostile_text()) {
            let value = json!({ key: [text, 1.5, null, true] });
            let out = json_text(&value);
            prop_assert!(!out.chars().any(|c| c != '\n' && is_unsafe(c)), "{out:?}");
            prop_assert_eq!(serde_json::from_str::<Value>(&out).unwrap(), value);
        }

        /// Exists for the escaping of table cells: one line per row, no unsafe
        /// character but the line ends, and each cell exactly `escape` of itself.
        #[test]
        fn table_cells_are_terminal_safe(cells in proptest::collection::vec(hostile_text(), 1..4)) {
            let rows = vec![cells.clone()];
            let out = table(&["A", "B", "C", "D"][..cells.len()], &rows);
            prop_assert!(!out.chars().any(|c| c != '\n' && is_unsafe(c)), "{:?}", out);
            prop_assert_eq!(out.matches('\n').count(), 2);
            // The last cell of a line loses its trailing spaces, as the padding does.
            for cell in &cells {
                prop_assert!(out.contains(escape(cell).trim_end()), "{:?}", cell);
            }
        }
    }
}
