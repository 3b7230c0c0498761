//! Optional, nullable fields of request bodies: "leave it out" and "send `null`" are two
//! different requests (`webhook_uri` left out keeps the webhook, `null` turns it off),
//! and progenitor's `Option<T>` with `skip_serializing_if` can only express the first.
//!
//! Such a field (a property of a request body schema that is not `required` and is
//! `nullable: true`) becomes `Option<Option<T>>` in the generated struct: `None` is left
//! out, `Some(None)` is sent as `null`, `Some(Some(v))` as `v`; decoding keeps the same
//! distinction. Its builder gets `field(v)` and `clear_field()`.

use std::collections::BTreeSet;

use openapiv3::{OpenAPI, ReferenceOr, SchemaKind, Type as SchemaType};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{Attribute, Fields, ItemStruct, Type};

/// The optional, nullable properties of component schema `name`.
pub fn fields(spec: &OpenAPI, name: &str) -> BTreeSet<String> {
    let schema = spec
        .components
        .as_ref()
        .and_then(|c| c.schemas.get(name))
        .and_then(ReferenceOr::as_item);
    let Some(SchemaKind::Type(SchemaType::Object(object))) = schema.map(|s| &s.schema_kind) else {
        return BTreeSet::new();
    };
    object
        .properties
        .iter()
        .filter(|(property, _)| !object.required.contains(property))
        .filter(|(_, schema)| {
            schema
                .as_item()
                .is_some_and(|schema| schema.schema_data.nullable)
        })
        .map(|(property, _)| property.clone())
        .collect()
}

/// Rewrites each field of `model` named in `nullable` from `Option<T>` to
/// `Option<Option<T>>`, with the serde attributes that keep `null` apart from absent.
pub fn rewrite(model: &mut ItemStruct, nullable: &BTreeSet<String>) -> Result<(), String> {
    let Fields::Named(named) = &mut model.fields else {
        return Ok(());
    };
    let mut done = 0;
    for field in named.named.iter_mut() {
        let Some(name) = &field.ident else { continue };
        if !nullable.contains(&name.to_string()) {
            continue;
        }
        let ty = &field.ty;
        field.ty = syn::parse_quote!(::std::option::Option<#ty>);
        field.attrs.retain(|a| !a.path().is_ident("serde"));
        let attribute: Attribute = syn::parse_quote!(#[serde(
            default,
            skip_serializing_if = "::std::option::Option::is_none",
            deserialize_with = "nullable::present"
        )]);
        field.attrs.push(attribute);
        done += 1;
    }
    if done != nullable.len() {
        return Err(format!(
            "`{}`: {} nullable fields in the spec, {done} in the generated struct; update \
             build/nullable.rs",
            model.ident,
            nullable.len()
        ));
    }
    Ok(())
}

/// The setters of a nullable field whose builder field is `Option<Option<inner>>`:
/// `name(value)` sends the value, `clear_name()` sends `null`.
pub fn setters(name: &syn::Ident, docs: &[Attribute], inner: &Type) -> TokenStream {
    let clear = format_ident!("clear_{name}");
    let clear_doc = format!("Sends `{name}` as `null` (see [`Self::{name}`]).");
    let set_doc =
        format!("Optional and nullable: not set, it is left out; [`Self::{clear}`] sends `null`.");
    quote! {
        #(#docs)*
        ///
        #[doc = #set_doc]
        #[must_use]
        pub fn #name(mut self, value: impl ::std::convert::Into<#inner>) -> Self {
            self.#name = ::std::option::Option::Some(::std::option::Option::Some(value.into()));
            self
        }
        #[doc = #clear_doc]
        #[must_use]
        pub fn #clear(mut self) -> Self {
            self.#name = ::std::option::Option::Some(::std::option::Option::None);
            self
        }
    }
}

/// The helper `rewrite`'s serde attribute names, added to the `types` module once.
pub fn helper() -> TokenStream {
    quote! {
        /// Decoding of optional, nullable request fields: a present `null` is
        /// `Some(None)`, apart from an absent field (`None`, by `#[serde(default)]`).
        mod nullable {
            pub(super) fn present<'de, D, T>(
                deserializer: D,
            ) -> ::std::result::Result<::std::option::Option<::std::option::Option<T>>, D::Error>
            where
                D: ::serde::Deserializer<'de>,
                T: ::serde::Deserialize<'de>,
            {
                <::std::option::Option<T> as ::serde::Deserialize>::deserialize(deserializer)
                    .map(::std::option::Option::Some)
            }
        }
    }
}
