//! `field_setters!`: the builder-style `with_*` setters of the crate's settings types
//! (the policies, fleet mode's and the sandbox's settings).

/// Writes a builder-style setter per field, `pub fn with_field(mut self, field) -> Self`,
/// documented as setting that field. The policies are `#[non_exhaustive]`, so callers
/// build them as `Policy::default().with_…(…)` and a field added later breaks nobody.
macro_rules! field_setters {
    ($policy:ident { $($setter:ident => $field:ident: $ty:ty),* $(,)? }) => {
        #[doc = concat!(
            "Builder-style setters: `", stringify!($policy), "::default().with_…(…)`. The ",
            "struct is `#[non_exhaustive]`, so a field added later is not a breaking change."
        )]
        impl $policy {
            $(
                #[doc = concat!("Sets [`", stringify!($policy), "::", stringify!($field), "`].")]
                #[must_use]
                pub fn $setter(mut self, $field: $ty) -> Self {
                    self.$field = $field;
                    self
                }
            )*
        }
    };
}
pub(crate) use field_setters;
