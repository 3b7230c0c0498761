//! [`IntoUrl`]: what the builder's URL setters take (a [`Url`], or text parsed when
//! given), so that a URL has one type everywhere, as in [`crate::Environment::Custom`],
//! and a malformed one is an [`Error::Config`] from `build()`, never a panic.

use url::Url;

use crate::error::Error;

/// A value the builder's URL setters accept: a [`Url`] (`deps::url::Url`), or text
/// (`&str`, `String`, `&String`) parsed when the setter is called. Text that is not a
/// URL is kept as an [`Error::Config`] naming the setting, which
/// [`FlowPayrollBuilder::build`](crate::FlowPayrollBuilder::build) returns; the error
/// never repeats a password given in the URL.
///
/// The trait is sealed: the types above are the only ones.
///
/// ```
/// use flowpayroll::deps::url::Url;
/// use flowpayroll::FlowPayroll;
///
/// let parsed = Url::parse("http://127.0.0.1:8080/oauth2/token")?;
/// let fp = FlowPayroll::builder()
///     .credentials("id", "secret")
///     .token_url(parsed)
///     .api_url("http://127.0.0.1:8080/")
///     .build();
/// assert!(fp.is_ok());
///
/// let bad = FlowPayroll::builder()
///     .credentials("id", "secret")
///     .api_url("not a url")
///     .build()
///     .unwrap_err();
/// assert!(matches!(bad, flowpayroll::Error::Config(_)));
/// assert!(bad.to_string().contains("the API URL"), "{bad}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait IntoUrl: sealed::Sealed {}

pub(crate) mod sealed {
    use super::{Error, Url};

    /// The conversion itself, out of users' reach.
    pub trait Sealed {
        /// The URL, or an [`Error::Config`] naming `what` (never showing a password).
        fn into_url(self, what: &str) -> Result<Url, Error>;
    }
}

impl IntoUrl for Url {}
impl IntoUrl for &Url {}
impl IntoUrl for &str {}
impl IntoUrl for String {}
impl IntoUrl for &String {}

impl sealed::Sealed for Url {
    fn into_url(self, _: &str) -> Result<Url, Error> {
        Ok(self)
    }
}

impl sealed::Sealed for &Url {
    fn into_url(self, _: &str) -> Result<Url, Error> {
        Ok(self.clone())
    }
}

impl sealed::Sealed for &str {
    fn into_url(self, what: &str) -> Result<Url, Error> {
        super::parse_any_url(what, self)
    }
}

impl sealed::Sealed for String {
    fn into_url(self, what: &str) -> Result<Url, Error> {
        super::parse_any_url(what, &self)
    }
}

impl sealed::Sealed for &String {
    fn into_url(self, what: &str) -> Result<Url, Error> {
        super::parse_any_url(what, self)
    }
}
