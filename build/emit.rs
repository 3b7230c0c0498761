//! Rust code the crate generates beside progenitor's: open enums and the table of
//! documented error bodies (see `prepare.rs` for why each exists).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::prepare::{DocumentedError, OpenEnum};

/// A Rust enum for an open string enum: one variant per known value, and `Unknown`
/// for anything else, kept verbatim.
pub fn open_enum(open: &OpenEnum) -> Result<TokenStream, String> {
    let name = format_ident!("{}", open.name);
    let mut variants = Vec::new();
    for value in &open.values {
        let variant = variant_name(value)
            .ok_or_else(|| format!("schema `{}`: no Rust name for `{value}`", open.name))?;
        if variant == "Unknown" || variants.iter().any(|(v, _)| *v == variant) {
            return Err(format!(
                "schema `{}`: `{value}` gives the variant name `{variant}`, which is taken",
                open.name
            ));
        }
        variants.push((variant, value.as_str()));
    }
    let docs = open
        .description
        .as_deref()
        .unwrap_or("A server-controlled string value.");
    let idents: Vec<_> = variants.iter().map(|(v, _)| format_ident!("{v}")).collect();
    let values: Vec<_> = variants.iter().map(|(_, value)| *value).collect();
    let value_docs = values.iter().map(|v| format!("`{v}`"));
    Ok(quote! {
        #[doc = #docs]
        ///
        /// The spec lists the values below, but a server may send others: an unlisted value
        /// decodes as [`Self::Unknown`] and serializes back unchanged. Build values with
        /// `From<&str>` (or `parse`) so that a listed value always gets its own variant.
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum #name {
            #(
                #[doc = #value_docs]
                #idents,
            )*
            /// A value the spec does not list, exactly as the server sent it.
            Unknown(::std::string::String),
        }

        impl #name {
            /// Every value the spec lists, in spec order.
            pub const KNOWN: &'static [&'static str] = &[#(#values),*];

            /// The value as it goes on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #( Self::#idents => #values, )*
                    Self::Unknown(value) => value.as_str(),
                }
            }

            /// Whether the spec lists this value.
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::Unknown(_))
            }

            fn known(value: &str) -> ::std::option::Option<Self> {
                match value {
                    #( #values => ::std::option::Option::Some(Self::#idents), )*
                    _ => ::std::option::Option::None,
                }
            }
        }

        impl ::std::convert::From<&str> for #name {
            fn from(value: &str) -> Self {
                Self::known(value).unwrap_or_else(|| Self::Unknown(value.to_owned()))
            }
        }

        impl ::std::convert::From<::std::string::String> for #name {
            fn from(value: ::std::string::String) -> Self {
                Self::known(&value).unwrap_or(Self::Unknown(value))
            }
        }

        impl ::std::str::FromStr for #name {
            type Err = ::std::convert::Infallible;
            fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                ::std::result::Result::Ok(Self::from(value))
            }
        }

        /// The value with control characters escaped (an unknown one is server text);
        /// `as_str` and serde give it exactly.
        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Display::fmt(&crate::generated::model::Escaped(self.as_str()), f)
            }
        }

        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                <::std::string::String as ::serde::Deserialize>::deserialize(deserializer).map(Self::from)
            }
        }
    })
}

/// A Rust variant name for a wire value: its alphanumeric words in UpperCamelCase, with
/// words made only of digits (the `2023-03-01` of a scope path) left out.
pub fn variant_name(value: &str) -> Option<String> {
    let mut name = String::new();
    for word in value.split(|c: char| !c.is_ascii_alphanumeric()) {
        if word.is_empty() || word.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            name.push(first.to_ascii_uppercase());
            name.extend(chars);
        }
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, 'V');
    }
    (!name.is_empty()).then_some(name)
}

/// `ErrorBody` (one variant per component schema used by an error response) and the
/// function that decodes a body by (operation, status).
pub fn error_table(
    errors: &[DocumentedError],
    describe: impl Fn(&str) -> Option<String>,
) -> TokenStream {
    let mut schemas: Vec<&str> = errors.iter().filter_map(|e| e.schema.as_deref()).collect();
    schemas.sort_unstable();
    schemas.dedup();
    let variants = schemas.iter().map(|schema| {
        let ident = format_ident!("{schema}");
        let docs = describe(schema).unwrap_or_else(|| format!("A `{schema}` body."));
        quote! { #[doc = #docs] #ident(types::#ident), }
    });

    let variant_idents: Vec<_> = schemas
        .iter()
        .map(|schema| format_ident!("{schema}"))
        .collect();

    // Most specific first: single codes, then ranges, then `default`.
    let mut ordered: Vec<&DocumentedError> = errors.iter().collect();
    ordered.sort_by_key(|e| e.statuses.1 - e.statuses.0);
    let arms = ordered.iter().map(|e| {
        let operation = operation_path(&e.operation_id);
        let (low, high) = e.statuses;
        let decode = match &e.schema {
            Some(schema) => {
                let ident = format_ident!("{schema}");
                quote! { ::std::option::Option::Some(::serde_json::from_slice(body).map(ErrorBody::#ident)) }
            }
            None => quote! { ::std::option::Option::None },
        };
        quote! { (#operation, #low..=#high) => #decode, }
    });
    let rows = errors.iter().map(|e| {
        let operation = operation_path(&e.operation_id);
        let (low, high) = e.statuses;
        let schema = match &e.schema {
            Some(schema) => quote! { ::std::option::Option::Some(#schema) },
            None => quote! { ::std::option::Option::None },
        };
        quote! { (#operation, #low, #high, #schema), }
    });

    quote! {
        /// The typed body of an error response that the spec documents.
        ///
        /// Which variant a response decodes into is decided by its operation and status,
        /// as the spec documents them, never by trying the types in turn.
        #[derive(Clone, Debug, PartialEq)]
        #[non_exhaustive]
        pub enum ErrorBody {
            #(#variants)*
        }

        /// Serializes the body itself (no variant tag), as the server sent it.
        impl ::serde::Serialize for ErrorBody {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                match self {
                    #(Self::#variant_idents(body) => body.serialize(serializer),)*
                }
            }
        }

        impl ErrorBody {
            /// Decodes the body of an error response of `operation` with `status` into
            /// the type the spec documents for it. `None` when the spec documents no JSON
            /// body for that status.
            pub fn decode(
                operation: crate::generated::model::Operation,
                status: u16,
                body: &[u8],
            ) -> ::std::option::Option<::std::result::Result<Self, ::serde_json::Error>> {
                match (operation, status) {
                    #(#arms)*
                    _ => ::std::option::Option::None,
                }
            }
        }

        /// Every documented error response: operation, lowest and highest status it
        /// covers, and the component schema of its JSON body.
        pub const DOCUMENTED_ERRORS: &[(crate::generated::model::Operation, u16, u16, ::std::option::Option<&str>)] = &[
            #(#rows)*
        ];
    }
}

/// `RESPONSE_EXAMPLES`: the spec's response examples as (operation, status, name, JSON).
pub fn example_table(examples: &[crate::prepare::ResponseExample]) -> TokenStream {
    let rows = examples.iter().map(|e| {
        let operation = operation_path(&e.operation_id);
        let (status, name, json) = (&e.status, &e.name, &e.json);
        quote! { (#operation, #status, #name, #json), }
    });
    quote! {
        /// Every `application/json` response example of the spec: operation, status,
        /// example name and the example as JSON text.
        pub const RESPONSE_EXAMPLES: &[(crate::generated::model::Operation, &str, &str, &str)] = &[#(#rows)*];
    }
}

/// `crate::generated::model::Operation::<Variant>` for an operation id (checked by
/// `operations::collect` to give a name).
fn operation_path(operation_id: &str) -> TokenStream {
    let variant = format_ident!(
        "{}",
        variant_name(operation_id).expect("operation ids are checked before emitting")
    );
    quote! { crate::generated::model::Operation::#variant }
}
