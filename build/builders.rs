//! Additive-safe models: `#[non_exhaustive]` on every generated struct, and a builder for
//! every request body, so that a new optional field in the spec is not a breaking change.
//!
//! progenitor's model structs have public fields and can be written as struct literals;
//! a field added to the spec would break every such literal. After generation, this
//! module edits progenitor's `types` module:
//!
//! 1. Every struct with named fields is marked `#[non_exhaustive]`: callers read and
//!    change its fields, but outside the crate they cannot write a literal.
//! 2. Every schema used as a request body gets `X::builder()`, returning `XBuilder`: one
//!    setter per field (`impl Into<_>`, lists as any `IntoIterator`) and `build()`, which
//!    exists only once every required field is set. Each required field is a type
//!    parameter of the builder, `missing::MissingField` until its setter is called, so a
//!    missing field is a compile error, not a run-time one. The parameters have no
//!    defaults: a required field added to the spec adds one, which `cargo semver-checks`
//!    reports (`type_requires_more_generic_type_params`); with defaults it would see no
//!    change, though `build` would then need the new field. A required field whose type
//!    is an enum with a single value (a grant type) is filled in. Optional fields start
//!    unset.

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::{OpenAPI, ReferenceOr};
use quote::{format_ident, quote};
use syn::{Fields, GenericArgument, Item, PathArguments, Type};

use crate::builder_code::{builder_for, Field, Kind};

/// The component schemas used as a request body (any media type), sorted, each with
/// its optional nullable fields (see `build/nullable.rs`).
pub fn request_bodies(spec: &OpenAPI) -> Result<BTreeMap<String, BTreeSet<String>>, String> {
    let mut found = BTreeMap::new();
    for (path, item) in spec.paths.iter() {
        let Some(item) = item.as_item() else { continue };
        for (method, operation) in item.iter() {
            let Some(body) = &operation.request_body else {
                continue;
            };
            let where_ = || format!("the request body of `{method} {path}`");
            let ReferenceOr::Item(body) = body else {
                return Err(format!(
                    "{}: `$ref` request bodies are not supported",
                    where_()
                ));
            };
            for media in body.content.values() {
                match &media.schema {
                    Some(ReferenceOr::Reference { reference }) => {
                        let name =
                            reference
                                .strip_prefix("#/components/schemas/")
                                .ok_or_else(|| {
                                    format!("{}: `{reference}` is not a schema", where_())
                                })?;
                        found.insert(name.to_owned(), crate::nullable::fields(spec, name));
                    }
                    Some(ReferenceOr::Item(_)) => {
                        return Err(format!(
                            "{}: must `$ref` a named component schema, so that its Rust type \
                             and builder have a stable name",
                            where_()
                        ))
                    }
                    None => {}
                }
            }
        }
    }
    Ok(found)
}

/// Marks the structs of progenitor's `types` module `#[non_exhaustive]` and adds a
/// builder for each of `request_bodies`.
pub fn apply(
    file: &mut syn::File,
    request_bodies: &BTreeMap<String, BTreeSet<String>>,
) -> Result<(), String> {
    let types = file
        .items
        .iter_mut()
        .find_map(|item| match item {
            Item::Mod(module) if module.ident == "types" => module.content.as_mut(),
            _ => None,
        })
        .map(|(_, items)| items)
        .ok_or("progenitor's output has no `types` module; update build/builders.rs")?;

    let taken: BTreeSet<String> = types.iter().filter_map(item_name).collect();
    let one_value_enums: Vec<(String, syn::Ident)> = types
        .iter()
        .filter_map(|item| match item {
            Item::Enum(e) if e.variants.len() == 1 && e.variants[0].fields.is_empty() => {
                Some((e.ident.to_string(), e.variants[0].ident.clone()))
            }
            _ => None,
        })
        .collect();

    let mut generated = Vec::new();
    let mut markers = BTreeSet::new();
    for item in types.iter_mut() {
        let Item::Struct(model) = item else { continue };
        if !matches!(model.fields, Fields::Named(_)) {
            continue;
        }
        let name = model.ident.to_string();
        if let Some(nullable) = request_bodies.get(&name) {
            crate::nullable::rewrite(model, nullable)?;
            let Fields::Named(named) = &model.fields else {
                continue;
            };
            let fields = named
                .named
                .iter()
                .map(|field| classify(field, &one_value_enums))
                .collect::<Vec<_>>();
            let builder = format!("{name}Builder");
            for taken_name in fields
                .iter()
                .filter(|f| matches!(f.kind, Kind::Required))
                .map(|f| f.param.to_string())
                .chain([builder.clone()])
            {
                if taken.contains(&taken_name) {
                    return Err(format!(
                        "the builder of `{name}` needs the name `{taken_name}`, which a \
                         generated type already has; rename it in build/builders.rs"
                    ));
                }
            }
            markers.extend(
                fields
                    .iter()
                    .filter(|f| matches!(f.kind, Kind::Required))
                    .map(|f| (f.marker(), f.name.to_string())),
            );
            generated.push(builder_for(&model.ident, &fields));
        }
        model.attrs.push(syn::parse_quote!(#[non_exhaustive]));
    }
    let found = generated.len();
    if found != request_bodies.len() {
        return Err(format!(
            "{} request body schemas, {found} generated structs for them; update build/builders.rs",
            request_bodies.len()
        ));
    }
    if !markers.is_empty() {
        let docs = markers
            .iter()
            .map(|(_, field)| format!("A builder's `{field}` field, not set yet."));
        let markers = markers.iter().map(|(marker, _)| marker);
        generated.push(quote! {
            /// Placeholders of the request builders' required fields: a builder whose type
            /// still names one of these has no `build` method until that field is set.
            pub mod missing {
                #(
                    #[doc = #docs]
                    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
                    pub struct #markers;
                )*
            }
        });
    }
    generated.push(crate::nullable::helper());
    let generated: syn::File = syn::parse2(quote! { #(#generated)* })
        .map_err(|e| format!("generated builders do not parse: {e}"))?;
    types.extend(generated.items);
    Ok(())
}

fn item_name(item: &Item) -> Option<String> {
    Some(
        match item {
            Item::Struct(s) => &s.ident,
            Item::Enum(e) => &e.ident,
            Item::Mod(m) => &m.ident,
            Item::Type(t) => &t.ident,
            Item::Trait(t) => &t.ident,
            _ => return None,
        }
        .to_string(),
    )
}

fn classify(field: &syn::Field, one_value_enums: &[(String, syn::Ident)]) -> Field {
    let name = field.ident.clone().expect("named fields have names");
    let param = format_ident!("{}", camel_case(&name.to_string()));
    let docs = field
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .cloned()
        .collect();
    let serde_default = field.attrs.iter().any(|a| {
        let meta = &a.meta;
        a.path().is_ident("serde") && quote!(#meta).to_string().contains("default")
    });
    let kind = if let Some(inner) = generic_of(&field.ty, "Option") {
        Kind::Optional { inner: Some(inner) }
    } else if serde_default {
        Kind::Optional { inner: None }
    } else if let Some((_, variant)) = one_value_enums
        .iter()
        .find(|(name, _)| last_segment(&field.ty).is_some_and(|s| s.ident == name))
    {
        let ty = &field.ty;
        Kind::Fixed(syn::parse_quote!(#ty::#variant))
    } else {
        Kind::Required
    };
    Field {
        name,
        param,
        ty: field.ty.clone(),
        docs,
        kind,
    }
}

fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(path) if path.qself.is_none() => path.path.segments.last(),
        _ => None,
    }
}

/// `T` of `Wrapper<T>` when `ty` is a `Wrapper` (`Option`, `Vec`).
pub fn generic_of(ty: &Type, wrapper: &str) -> Option<Type> {
    let segment = last_segment(ty).filter(|s| s.ident == wrapper)?;
    let PathArguments::AngleBracketed(args) = &segment.arguments else {
        return None;
    };
    match args.args.first()? {
        GenericArgument::Type(inner) if args.args.len() == 1 => Some(inner.clone()),
        _ => None,
    }
}

fn camel_case(snake: &str) -> String {
    snake
        .split('_')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}
