//! Per-call work progenitor's methods do that this crate does not need, taken out of
//! the generated code after generation:
//!
//! 1. The `api-version` header. progenitor adds it to every request (a `HeaderMap`
//!    allocated per call, then merged into the request); the API is versioned in its
//!    paths and no document names the header (decision in the spec). The statement that
//!    appends it goes, and with it the map when nothing else is put in it.
//! 2. The copy of the response headers. progenitor's `ResponseValue::from_response`
//!    clones the header map before reading the body; the crate's own
//!    `crate::raw::client::from_response` moves it out instead.
//! 3. The URL of a path without parameters, `format!("{}/path", self.baseurl)`: a
//!    concatenation of the two strings, without the formatting machinery.
//!
//! Each edit checks that progenitor still writes what it expects and stops the build
//! with a message when it does not, so an upgrade cannot silently undo it.

use quote::ToTokens;
use syn::{ImplItem, Item, Stmt};

/// The statement progenitor writes to add the header, as token text.
const APPENDS_API_VERSION: &str = "header_map . append";
const API_VERSION: &str = "\"api-version\"";
/// progenitor's header map: its `let` and the call that merges it into the request.
const MAP_LET: &str = "let mut header_map =";
const MAP_MERGE: &str = ". headers (header_map)";
const FROM_RESPONSE: &str = "ResponseValue :: from_response";
const OWN_FROM_RESPONSE: &str = "crate :: raw :: client :: from_response";
/// progenitor's URL of a path, as token text, up to the path's literal.
const URL_FORMAT: &str = "let url = format ! (\"{}";
const URL_FORMAT_END: &str = "\" , self . baseurl ,) ;";

/// Applies both edits to every method of the generated `Client`; returns how many
/// methods had the header taken out.
pub fn apply(file: &mut syn::File) -> Result<usize, String> {
    let mut edited = 0;
    for item in &mut file.items {
        let Item::Impl(block) = item else { continue };
        for member in &mut block.items {
            let ImplItem::Fn(method) = member else {
                continue;
            };
            if drop_api_version(&mut method.block.stmts)? {
                edited += 1;
            }
        }
    }
    if edited == 0 {
        return Err(
            "progenitor no longer adds an `api-version` header the way build/lean.rs \
             expects; update it"
                .to_owned(),
        );
    }
    Ok(edited)
}

/// Takes the `api-version` header out of one method's statements, and the header map
/// when nothing else goes in it; replaces `ResponseValue::from_response`. `false` when
/// the method adds no such header (not a request method).
fn drop_api_version(stmts: &mut Vec<Stmt>) -> Result<bool, String> {
    let text = |stmt: &Stmt| stmt.to_token_stream().to_string();
    let before = stmts.len();
    stmts.retain(|stmt| {
        let text = text(stmt);
        !(text.starts_with(APPENDS_API_VERSION) && text.contains(API_VERSION))
    });
    if stmts.len() == before {
        return Ok(false);
    }
    let map_still_used = stmts
        .iter()
        .any(|stmt| text(stmt).starts_with(APPENDS_API_VERSION));
    let mut merged = false;
    let mut edited = Vec::with_capacity(stmts.len());
    for stmt in stmts.drain(..) {
        let mut code = text(&stmt);
        if !map_still_used {
            if code.starts_with(MAP_LET) {
                continue;
            }
            if code.contains(MAP_MERGE) {
                code = code.replacen(MAP_MERGE, "", 1);
                merged = true;
            }
        }
        if let Some(path) = fixed_path(&code) {
            code = format!("let url = [self . baseurl . as_str () , \"{path}\"] . concat () ;");
        }
        if code.contains(FROM_RESPONSE) {
            code = code.replace(FROM_RESPONSE, OWN_FROM_RESPONSE);
        }
        edited.push(
            syn::parse_str::<Stmt>(&code)
                .map_err(|e| format!("build/lean.rs made code that does not parse: {e}"))?,
        );
    }
    if !map_still_used && !merged {
        return Err(
            "progenitor no longer merges its header map with `.headers(header_map)`; \
             update build/lean.rs"
                .to_owned(),
        );
    }
    *stmts = edited;
    Ok(true)
}

/// The path of `let url = format!("{}/path", self.baseurl,);` when it has no
/// parameters (no other braces, nothing to escape); `None` for any other statement.
fn fixed_path(code: &str) -> Option<&str> {
    let path = code
        .strip_prefix(URL_FORMAT)?
        .strip_suffix(URL_FORMAT_END)?;
    let plain = path.starts_with('/')
        && path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/-_.~".contains(c));
    plain.then_some(path)
}
