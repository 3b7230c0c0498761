//! The code of a request body's builder (`XBuilder`, see `builders`): one setter per
//! field, required fields as type parameters, and `build()`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{Attribute, Type};

use crate::builders::generic_of;

impl Field {
    /// The placeholder type of this field while it is not set (`MissingName` for
    /// `name`): the name a compile error shows.
    pub fn marker(&self) -> syn::Ident {
        format_ident!("Missing{}", self.param)
    }
}

/// One field of a request body, as its builder treats it.
pub struct Field {
    pub name: syn::Ident,
    /// The type parameter of a required field: the field in CamelCase.
    pub param: syn::Ident,
    pub ty: Type,
    pub docs: Vec<Attribute>,
    pub kind: Kind,
}

pub enum Kind {
    /// Must be set before `build`.
    Required,
    /// A single-value enum: filled in with its value.
    Fixed(syn::Path),
    /// Starts as `Default::default()`; `Some(inner)` is the `Option`'s type.
    Optional { inner: Option<Type> },
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

pub fn builder_for(model: &syn::Ident, fields: &[Field]) -> TokenStream {
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
            Kind::Optional {
                inner: Some(inner), ..
            } if generic_of(inner, "Option").is_some() => {
                crate::nullable::setters(name, docs, &generic_of(inner, "Option").unwrap())
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
