//! How results and errors look: a command's [`View`] printed as an aligned table or as
//! JSON, and an [`Error`] as one sentence for stderr.

use std::io::{self, Write};

use flowpayroll::Error;
use serde_json::Value;

use crate::args::Output;

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
            serde_json::to_writer_pretty(&mut *out, &view.json)?;
            writeln!(out)?;
        }
        Output::Table => out.write_all(table(&view.headers, &view.rows).as_bytes())?,
    }
    out.flush()
}

/// A plain aligned table.
fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.len()).collect();
    for row in rows {
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
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

/// The error as one sentence, with the HTTP status and the server's message.
pub fn sentence(error: &Error) -> String {
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
            text
        }
        None => error.to_string(),
    }
}
