//! Runs progenitor on the prepared spec and writes the generated code to `OUT_DIR`.
//!
//! progenitor reports some problems by panicking (its `assert!`s). A panic is caught
//! here and turned into one message; when generation fails, each operation is generated
//! on its own to name the one progenitor rejected.

use std::panic::{self, AssertUnwindSafe};
use std::path::Path;

use proc_macro2::TokenStream;
use progenitor_impl::{GenerationSettings, Generator, InterfaceStyle, TypeImpl};
use quote::quote;

use crate::{builders, emit, lean, operations, prepare, spec};

/// The first line of every generated file.
const HEADER: &str = "// generated from openapi/flowpayroll.yaml, do not edit\n";

/// Generates progenitor's output, split into `types.rs` (its `types` module: the
/// models) and `client.rs` (the rest: the `Client`), plus `operation.rs`,
/// `open_enums.rs` and `error_table.rs`, into `out`. Every path the generated code names
/// outside itself is in `crate::generated::model` or `crate::raw::client`.
pub fn run(spec_path: &Path, out: &Path) -> Result<(), String> {
    let spec = spec::load(spec_path).map_err(|e| e.to_string())?;
    let in_file = |what: String| format!("{}: {what}", spec_path.display());
    let operation_list = operations::collect(&spec).map_err(in_file)?;
    let prepared = prepare::prepare(&spec).map_err(in_file)?;

    let client = with_crate_tls(generate_client(&prepared).map_err(in_file)?)?;
    let mut client: syn::File =
        syn::parse2(client).map_err(|e| format!("generated code does not parse: {e}"))?;
    builders::apply(
        &mut client,
        &builders::request_bodies(&spec).map_err(in_file)?,
    )
    .map_err(in_file)?;
    lean::apply(&mut client)?;
    let open_enums = prepared
        .open_enums
        .iter()
        .map(emit::open_enum)
        .collect::<Result<Vec<_>, _>>()
        .map_err(in_file)?;
    let error_table = emit::error_table(&prepared.errors, |name| schema_description(&spec, name));
    let examples = emit::example_table(&prepare::response_examples(&spec));

    let (types, client) = split_types(client)?;
    write_file(&out.join("types.rs"), &types)?;
    write_file(&out.join("client.rs"), &client)?;
    write(&out.join("operation.rs"), operations::emit(&operation_list))?;
    write(&out.join("open_enums.rs"), quote! { #(#open_enums)* })?;
    write(
        &out.join("error_table.rs"),
        quote! { #error_table #examples },
    )
}

/// Makes the generated `Client::new` start from the crate's TLS set-up: progenitor's
/// `reqwest::ClientBuilder::new()` has no crypto provider with `rustls-ring`, and
/// building it would panic.
fn with_crate_tls(client: TokenStream) -> Result<TokenStream, String> {
    const PROGENITOR: &str = "reqwest :: ClientBuilder :: new ()";
    let text = client.to_string();
    if !text.contains(PROGENITOR) {
        return Err(format!(
            "progenitor's Client::new no longer calls `{PROGENITOR}`; update build/generate.rs"
        ));
    }
    text.replace(PROGENITOR, "crate :: raw :: client :: client_builder ()")
        .parse()
        .map_err(|e| format!("generated code does not parse: {e}"))
}

fn settings(prepared: &prepare::Prepared) -> GenerationSettings {
    let mut settings = GenerationSettings::new();
    settings
        .with_interface(InterfaceStyle::Positional)
        // Per-call headers (access token, User-Id) travel in the client's inner value
        // and are attached by the `ClientHooks::pre` implementation in `src/`.
        .with_inner_type(quote! { crate::raw::client::RequestContext })
        .with_derive("PartialEq")
        .with_replacement(
            "SecretString",
            "crate::generated::model::SecretString",
            std::iter::empty(),
        )
        // The token endpoint's `access_token`: a secret whose characters the spec bounds;
        // `auth::token` checks them, the type is the same redacting one.
        .with_replacement(
            "AccessToken",
            "crate::generated::model::SecretString",
            std::iter::empty(),
        );
    for open in &prepared.open_enums {
        settings.with_replacement(
            &open.name,
            format!("crate::generated::model::open_enums::{}", open.name),
            [TypeImpl::Display, TypeImpl::FromStr].into_iter(),
        );
    }
    settings
}

fn generate_client(prepared: &prepare::Prepared) -> Result<TokenStream, String> {
    let settings = settings(prepared);
    match generate_quietly(&settings, &prepared.for_generator) {
        Ok(tokens) => Ok(tokens),
        Err(whole) => Err(
            match find_rejected_operation(&settings, &prepared.for_generator) {
                Some((operation, why)) => {
                    format!(
                        "progenitor rejected operation `{operation}`: {}",
                        explain(&why)
                    )
                }
                None => format!("progenitor rejected the document: {whole}"),
            },
        ),
    }
}

/// Generates from `spec`, turning both errors and panics into a message.
fn generate_quietly(
    settings: &GenerationSettings,
    spec: &openapiv3::OpenAPI,
) -> Result<TokenStream, String> {
    let previous_hook = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
        Generator::new(settings).generate_tokens(spec)
    }));
    panic::set_hook(previous_hook);
    match outcome {
        Ok(Ok(tokens)) => Ok(tokens),
        Ok(Err(error)) => Err(error.to_string()),
        Err(payload) => Err(payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_else(|| "the generator panicked".to_owned())),
    }
}

/// The first operation that fails to generate on its own, with progenitor's reason.
fn find_rejected_operation(
    settings: &GenerationSettings,
    spec: &openapiv3::OpenAPI,
) -> Option<(String, String)> {
    for (path, item) in &spec.paths.paths {
        let item = item.as_item()?;
        for (method, operation) in item.iter() {
            let mut alone = spec.clone();
            let mut only = item.clone();
            for (other, _) in item.iter() {
                if other != method {
                    clear_method(&mut only, other);
                }
            }
            alone.paths.paths.clear();
            alone
                .paths
                .paths
                .insert(path.clone(), openapiv3::ReferenceOr::Item(only));
            if let Err(why) = generate_quietly(settings, &alone) {
                let name = operation
                    .operation_id
                    .clone()
                    .unwrap_or_else(|| format!("{method} {path}"));
                return Some((name, why));
            }
        }
    }
    None
}

fn clear_method(item: &mut openapiv3::PathItem, method: &str) {
    let slot = match method {
        "get" => &mut item.get,
        "put" => &mut item.put,
        "post" => &mut item.post,
        "delete" => &mut item.delete,
        "options" => &mut item.options,
        "head" => &mut item.head,
        "patch" => &mut item.patch,
        _ => &mut item.trace,
    };
    *slot = None;
}

/// progenitor's assertion texts, in words.
fn explain(why: &str) -> String {
    if why.contains("response_types.len() <= 1") {
        format!("its success responses have different schemas; progenitor 0.15 needs one ({why})")
    } else {
        why.to_owned()
    }
}

/// The description of a component schema, for the docs of generated code.
fn schema_description(spec: &openapiv3::OpenAPI, name: &str) -> Option<String> {
    let schema = spec.components.as_ref()?.schemas.get(name)?.as_item()?;
    schema.schema_data.description.clone()
}

fn write(path: &Path, tokens: TokenStream) -> Result<(), String> {
    let file: syn::File =
        syn::parse2(tokens).map_err(|e| format!("generated code does not parse: {e}"))?;
    write_file(path, &file)
}

/// progenitor's output split in two: its `types` module (the models, which the errors
/// are built on) and everything else (the `Client`, which needs the HTTP layer).
fn split_types(mut file: syn::File) -> Result<(syn::File, syn::File), String> {
    let (types, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut file.items)
        .into_iter()
        .partition(|item| matches!(item, syn::Item::Mod(module) if module.ident == "types"));
    if types.len() != 1 {
        return Err("progenitor's output has no `types` module; update build/generate.rs".into());
    }
    let mut types_file = file.clone();
    types_file.items = types;
    file.items = rest;
    Ok((types_file, file))
}

fn write_file(path: &Path, file: &syn::File) -> Result<(), String> {
    std::fs::write(path, format!("{HEADER}{}", prettyplease::unparse(file)))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}
