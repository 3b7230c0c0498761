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

use std::collections::BTreeSet;

use openapiv3::{OpenAPI, ReferenceOr};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{Attribute, Fields, GenericArgument, Item, PathArguments, Type};

/// The component schemas used as a request body (any media type), sorted.
pub fn request_bodies(spec: &OpenAPI) -> Result<BTreeSet<String>, String> {
    let mut found = BTreeSet::new();
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
                        found.insert(name.to_owned());
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
pub fn apply(file: &mut syn::File, request_bodies: &BTreeSet<String>) -> Result<(), String> {
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
        let Fields::Named(named) = &model.fields else {
            continue;
        };
        let name = model.ident.to_string();
        if request_bodies.contains(&name) {
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

impl Field {
    /// The placeholder type of this field while it is not set (`MissingName` for
    /// `name`): the name a compile error shows.
    fn marker(&self) -> syn::Ident {
        format_ident!("Missing{}", self.param)
    }
}

/// One field of a request body, as its builder treats it.
struct Field {
    name: syn::Ident,
    /// The type parameter of a required field: the field in CamelCase.
    param: syn::Ident,
    ty: Type,
    docs: Vec<Attribute>,
    kind: Kind,
}

enum Kind {
    /// Must be set before `build`.
    Required,
    /// A single-value enum: filled in with its value.
    Fixed(syn::Path),
    /// Starts as `Default::default()`; `Some(inner)` is the `Option`'s type.
    Optional { inner: Option<Type> },
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
fn generic_of(ty: &Type, wrapper: &str) -> Option<Type> {
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

/// The argument type of a setter for a value of type `ty`, and how to turn the argument
/// `value` into `ty`.
fn setter_argument(ty: &Type) -> (TokenStream, TokenStream) {
    match generic_of(ty, "Vec") {
        Some(item) => (
            quote! { impl ::std::iter::IntoIterator<Item = impl ::std::convert::Into<#item>> },
            quote! { value.into_iter().map(::std::convert::Into::into).collect() },
        ),
        None => (
            quote! { impl ::std::convert::Into<#ty> },
            quote! { value.into() },
        ),
    }
}

fn builder_for(model: &syn::Ident, fields: &[Field]) -> TokenStream {
    let builder = format_ident!("{model}Builder");
    let required: Vec<&Field> = fields
        .iter()
        .filter(|f| matches!(f.kind, Kind::Required))
        .collect();
    let params: Vec<&syn::Ident> = required.iter().map(|f| &f.param).collect();
    let required_types: Vec<&Type> = required.iter().map(|f| &f.ty).collect();
    let required_list = required
        .iter()
        .map(|f| format!("`{}`", f.name))
        .collect::<Vec<_>>()
        .join(", ");

    let stored = fields.iter().filter(|f| !matches!(f.kind, Kind::Fixed(_)));
    let stored_fields = stored.clone().map(|f| {
        let name = &f.name;
        match f.kind {
            Kind::Required => {
                let param = &f.param;
                quote! { #name: #param }
            }
            _ => {
                let ty = &f.ty;
                quote! { #name: #ty }
            }
        }
    });
    let start = stored.clone().map(|f| {
        let name = &f.name;
        match f.kind {
            Kind::Required => {
                let marker = f.marker();
                quote! { #name: missing::#marker }
            }
            _ => quote! { #name: ::std::default::Default::default() },
        }
    });

    let setters = stored.clone().map(|f| {
        let name = &f.name;
        let docs = &f.docs;
        match &f.kind {
            Kind::Required => {
                let (argument, convert) = setter_argument(&f.ty);
                let ty = &f.ty;
                let out = params.iter().map(|p| {
                    if *p == &f.param {
                        quote!(#ty)
                    } else {
                        quote!(#p)
                    }
                });
                let moved = stored.clone().map(|other| {
                    let other = &other.name;
                    if other == name {
                        quote! { #other: #convert }
                    } else {
                        quote! { #other: self.#other }
                    }
                });
                quote! {
                    #(#docs)*
                    ///
                    /// Required.
                    #[must_use]
                    pub fn #name(self, value: #argument) -> #builder<#(#out),*> {
                        #builder { #(#moved),* }
                    }
                }
            }
            Kind::Optional { inner } => {
                let target = inner.as_ref().unwrap_or(&f.ty);
                let (argument, convert) = setter_argument(target);
                let value = if inner.is_some() {
                    quote! { ::std::option::Option::Some(#convert) }
                } else {
                    convert
                };
                quote! {
                    #(#docs)*
                    ///
                    /// Optional; not set, it is left out.
                    #[must_use]
                    pub fn #name(mut self, value: #argument) -> Self {
                        self.#name = #value;
                        self
                    }
                }
            }
            Kind::Fixed(_) => unreachable!("fixed fields are not stored"),
        }
    });

    let build_fields = fields.iter().map(|f| {
        let name = &f.name;
        match &f.kind {
            Kind::Fixed(value) => quote! { #name: #value },
            _ => quote! { #name: self.#name },
        }
    });

    let (model_doc, builder_doc) = if required.is_empty() {
        (
            format!("Starts building a [`{model}`]; every field is optional."),
            format!("Builds a [`{model}`]; start with [`{model}::builder`]."),
        )
    } else {
        (
            format!(
                "Starts building a [`{model}`]. [`{builder}::build`] exists once its required \
                 fields ({required_list}) are set: a missing one is a compile error."
            ),
            format!(
                "Builds a [`{model}`]; start with [`{model}::builder`].\n\n\
                 Each required field ({required_list}) is a type parameter that stays a \
                 [`missing`] placeholder until its setter is called; `build` exists once none \
                 is left."
            ),
        )
    };
    let markers = required.iter().map(|f| {
        let marker = f.marker();
        quote! { missing::#marker }
    });
    quote! {
        impl #model {
            #[doc = #model_doc]
            pub fn builder() -> #builder<#(#markers),*> {
                #builder { #(#start),* }
            }
        }

        #[doc = #builder_doc]
        #[derive(Clone, Debug)]
        #[must_use = "a builder does nothing until `build` is called"]
        pub struct #builder<#(#params),*> {
            #(#stored_fields),*
        }

        impl<#(#params),*> #builder<#(#params),*> {
            #(#setters)*
        }

        impl #builder<#(#required_types),*> {
            /// The request body, with every field set so far.
            #[must_use]
            pub fn build(self) -> #model {
                #model { #(#build_fields),* }
            }
        }
    }
}
