//! The public face of the generated code, under review: the signatures of the `pub`
//! items that `build.rs` writes into `OUT_DIR` (structs with their `pub` fields, enums
//! with their variants, `pub` and trait methods without their bodies, constants,
//! aliases), rendered one file after another and compared with the committed
//! `build/generated-api.txt`. An edit of `build/` or of the spec that changes what
//! progenitor generates shows up as a diff of that file in the same change.
//!
//! After a deliberate change: `FLOWPAYROLL_BLESS_GENERATED_API=1 cargo test -p
//! flowpayroll --test generated_api` writes the file anew; review and commit it.

use std::path::Path;

/// The generated files, in the order they are rendered.
const FILES: &[&str] = &[
    "client.rs",
    "types.rs",
    "open_enums.rs",
    "operation.rs",
    "error_table.rs",
];

/// The variable that rewrites the snapshot instead of comparing with it.
const BLESS: &str = "FLOWPAYROLL_BLESS_GENERATED_API";

fn is_pub(vis: &syn::Visibility) -> bool {
    matches!(vis, syn::Visibility::Public(_))
}

/// Keeps `#[derive]` and `#[non_exhaustive]` (semver rests on both, docs/versioning.md);
/// docs and serde attributes are not signatures.
fn derives_only(attrs: &mut Vec<syn::Attribute>) {
    attrs.retain(|attr| attr.path().is_ident("derive") || attr.path().is_ident("non_exhaustive"));
}

fn without_body(f: &syn::ImplItemFn) -> syn::ImplItem {
    let mut f = f.clone();
    f.attrs.clear();
    f.block = syn::parse_quote!({});
    syn::ImplItem::Fn(f)
}

/// The public signatures among `items`, bodies emptied.
fn signatures(items: Vec<syn::Item>) -> Vec<syn::Item> {
    let mut kept = Vec::new();
    for item in items {
        match item {
            syn::Item::Struct(mut s) if is_pub(&s.vis) => {
                derives_only(&mut s.attrs);
                if let syn::Fields::Named(fields) = &mut s.fields {
                    fields.named = fields
                        .named
                        .clone()
                        .into_iter()
                        .filter(|f| is_pub(&f.vis))
                        .map(|mut f| {
                            derives_only(&mut f.attrs);
                            f
                        })
                        .collect();
                }
                kept.push(syn::Item::Struct(s));
            }
            syn::Item::Enum(mut e) if is_pub(&e.vis) => {
                derives_only(&mut e.attrs);
                for variant in &mut e.variants {
                    variant.attrs.clear();
                    if let syn::Fields::Named(fields) = &mut variant.fields {
                        fields.named.iter_mut().for_each(|f| f.attrs.clear());
                    }
                }
                kept.push(syn::Item::Enum(e));
            }
            syn::Item::Fn(f) if is_pub(&f.vis) => {
                kept.push(syn::Item::Fn(syn::ItemFn {
                    attrs: Vec::new(),
                    block: Box::new(syn::parse_quote!({})),
                    ..f
                }));
            }
            syn::Item::Const(mut c) if is_pub(&c.vis) => {
                c.attrs.clear();
                c.expr = Box::new(syn::parse_quote!(..));
                kept.push(syn::Item::Const(c));
            }
            syn::Item::Type(mut t) if is_pub(&t.vis) => {
                t.attrs.clear();
                kept.push(syn::Item::Type(t));
            }
            syn::Item::Use(mut u) if is_pub(&u.vis) => {
                u.attrs.clear();
                kept.push(syn::Item::Use(u));
            }
            syn::Item::Mod(mut m) if is_pub(&m.vis) => {
                m.attrs.clear();
                if let Some((brace, content)) = m.content.take() {
                    m.content = Some((brace, signatures(content)));
                }
                kept.push(syn::Item::Mod(m));
            }
            syn::Item::Impl(mut i) => {
                let of_trait = i.trait_.is_some();
                i.attrs.clear();
                i.items = i
                    .items
                    .iter()
                    .filter_map(|member| match member {
                        syn::ImplItem::Fn(f) if of_trait || is_pub(&f.vis) => Some(without_body(f)),
                        syn::ImplItem::Const(c) if of_trait || is_pub(&c.vis) => {
                            let mut c = c.clone();
                            c.attrs.clear();
                            c.expr = syn::parse_quote!(..);
                            Some(syn::ImplItem::Const(c))
                        }
                        syn::ImplItem::Type(t) if of_trait => {
                            let mut t = t.clone();
                            t.attrs.clear();
                            Some(syn::ImplItem::Type(t))
                        }
                        _ => None,
                    })
                    .collect();
                if of_trait || !i.items.is_empty() {
                    kept.push(syn::Item::Impl(i));
                }
            }
            _ => {}
        }
    }
    kept
}

/// The snapshot of the generated code in `out_dir`.
fn render(out_dir: &Path) -> String {
    let mut text = String::from(
        "# The public signatures of the code build.rs generates (tests/generated_api.rs).\n",
    );
    for name in FILES {
        let path = out_dir.join(name);
        let source =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let file = syn::parse_file(&source)
            .unwrap_or_else(|e| panic!("{}: does not parse: {e}", path.display()));
        let mut api = file;
        api.attrs.clear();
        api.items = signatures(std::mem::take(&mut api.items));
        text.push_str(&format!("\n# {name}\n\n"));
        text.push_str(&prettyplease::unparse(&api));
    }
    text
}

#[test]
fn the_generated_public_signatures_match_the_snapshot() {
    let rendered = render(Path::new(env!("OUT_DIR")));
    let snapshot = Path::new(env!("CARGO_MANIFEST_DIR")).join("build/generated-api.txt");
    if std::env::var_os(BLESS).is_some() {
        std::fs::write(&snapshot, &rendered).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&snapshot).unwrap_or_default();
    if committed != rendered {
        let first = committed
            .lines()
            .zip(rendered.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| committed.lines().count().min(rendered.lines().count()));
        panic!(
            "the generated code's public signatures changed (first at line {} of \
             build/generated-api.txt):\n  committed: {:?}\n  generated: {:?}\nif the change \
             is meant, run with {BLESS}=1 and commit the file",
            first + 1,
            committed.lines().nth(first).unwrap_or("<end>"),
            rendered.lines().nth(first).unwrap_or("<end>"),
        );
    }
}
