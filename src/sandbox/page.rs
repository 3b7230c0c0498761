//! The HTML of the sandbox's sign-in page (no JavaScript: one form, two buttons),
//! its error page, the redirect to the redirect URI, and [`answer_as_browser`], which
//! fills the form as a person would.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use url::Url;

use super::Sandbox;
use crate::error::Error;
use crate::generated::model::open_enums::Provider;
use crate::secret::terminal::Escaped;

/// How the person answers the sandbox's sign-in page in [`Sandbox::answer_sign_in`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignInAnswer {
    /// Picks `provider` (when the link did not name one) and allows access.
    Allow {
        /// The provider picked.
        provider: Provider,
    },
    /// Refuses access.
    Refuse,
}

/// What the page shows.
pub(super) struct PageRequest {
    /// The client's name.
    pub(super) client: String,
    pub(super) scopes: Vec<String>,
    /// The provider the link named, if it named one.
    pub(super) provider: Option<String>,
    pub(super) redirect_uri: String,
    /// The id the answer refers to.
    pub(super) request: String,
}

/// `text` safe inside HTML text and attribute values.
fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0}\
main{max-width:30rem;margin:3rem auto;background:#fff;border-radius:8px;padding:2rem;\
box-shadow:0 1px 4px #0002}h1{font-size:1.3rem;margin-top:0}.tag{font-size:.8rem;\
color:#805b00;background:#fff4d6;border-radius:4px;padding:.1rem .4rem}ul{padding-left:1.2rem}\
code{font-size:.85rem}select,button{font-size:1rem;padding:.5rem .9rem;margin:.3rem .3rem 0 0}\
button[value=allow]{background:#1f6feb;color:#fff;border:0;border-radius:4px}\
button[value=refuse]{background:#fff;border:1px solid #999;border-radius:4px}";

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let document = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\"><title>{}</title>\
         <style>{STYLE}</style></head><body><main>{body}</main></body></html>",
        html(title)
    );
    let mut response = (status, document).into_response();
    let headers = response.headers_mut();
    let set = |name, value| (name, HeaderValue::from_static(value));
    for (name, value) in [
        set(header::CONTENT_TYPE, "text/html; charset=utf-8"),
        set(header::CACHE_CONTROL, "no-store"),
        // Not framed (clickjacking), no script at all, no referrer to the redirect URI.
        set(header::X_FRAME_OPTIONS, "DENY"),
        set(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
        ),
        set(header::REFERRER_POLICY, "no-referrer"),
    ] {
        headers.insert(name, value);
    }
    response
}

/// The page that says why a sign-in cannot go on; its message in `<p id="error">`.
pub(super) fn error_page(status: StatusCode, message: &str) -> Response {
    let body = format!(
        "<h1>Flow Payroll sign-in</h1><p id=\"error\">{}</p>\
         <p>Go back to the application and start again.</p>",
        html(message)
    );
    page(status, "Sign-in refused", &body)
}

/// The page asking a person to pick a provider and allow or refuse.
pub(super) fn sign_in_page(request: &PageRequest) -> Response {
    let scopes: String = request
        .scopes
        .iter()
        .map(|s| format!("<li><code>{}</code></li>", html(s)))
        .collect();
    let provider = match &request.provider {
        Some(fixed) => format!(
            "<p>Provider: <strong>{}</strong></p><input type=\"hidden\" name=\"provider\" value=\"{}\">",
            html(fixed),
            html(fixed)
        ),
        None => {
            let options: String = Provider::KNOWN
                .iter()
                .map(|p| format!("<option value=\"{0}\">{0}</option>", html(p)))
                .collect();
            format!("<p><label>Provider <select name=\"provider\">{options}</select></label></p>")
        }
    };
    let body = format!(
        "<h1>Connect your HR or payroll system</h1>\
         <p><span class=\"tag\">sandbox</span> No real system is contacted.</p>\
         <p><strong>{client}</strong> asks to read:</p><ul>{scopes}</ul>\
         <form method=\"post\" action=\"connect\">\
         <input type=\"hidden\" name=\"request\" value=\"{request}\">{provider}\
         <button type=\"submit\" name=\"decision\" value=\"allow\">Allow</button>\
         <button type=\"submit\" name=\"decision\" value=\"refuse\">Refuse</button></form>\
         <p><small>You will be sent back to <code>{redirect}</code>.</small></p>",
        client = html(&request.client),
        request = html(&request.request),
        redirect = html(&request.redirect_uri),
    );
    page(StatusCode::OK, "Flow Payroll sign-in", &body)
}

/// A 303 to `redirect_uri` with `pairs` and the link's `state` added to its query.
pub(super) fn redirect(
    redirect_uri: &str,
    pairs: &[(&str, &str)],
    state: Option<&str>,
) -> Response {
    let Ok(mut url) = Url::parse(redirect_uri) else {
        return error_page(StatusCode::BAD_REQUEST, "redirect_uri is not a URL");
    };
    {
        let mut query = url.query_pairs_mut();
        query.extend_pairs(pairs);
        if let Some(state) = state {
            query.append_pair("state", state);
        }
    }
    (
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, url.to_string()),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
    )
        .into_response()
}

/// What [`Sandbox::answer_sign_in`] does: the page's GET and its form's POST, without
/// following the redirect.
pub(super) async fn answer_as_browser(
    sandbox: &Sandbox,
    link: &Url,
    answer: SignInAnswer,
) -> Result<Url, Error> {
    let refused = |message: String| Error::InvalidRequest {
        operation: None,
        message,
    };
    if link.origin() != sandbox.url().origin() {
        return Err(refused(
            "the link is not to this sandbox's sign-in page".to_owned(),
        ));
    }
    let client = crate::transport::tls::client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| Error::Config(format!("the sandbox's browser client: {e}")))?;
    let io = |e: reqwest::Error| refused(format!("the sign-in page did not answer: {e}"));
    let shown = client.get(link.clone()).send().await.map_err(io)?;
    if shown.status() == StatusCode::SEE_OTHER {
        return location(&shown);
    }
    let status = shown.status();
    let text = shown.text().await.map_err(io)?;
    if status != StatusCode::OK {
        return Err(refused(format!(
            "the sign-in page answered {status}: {}",
            page_error(&text)
        )));
    }
    let request = between(&text, "name=\"request\" value=\"", "\"").unwrap_or_default();
    let mut form = vec![("request", request.to_owned())];
    match answer {
        SignInAnswer::Allow { provider } => {
            form.push(("decision", "allow".to_owned()));
            form.push(("provider", provider.as_str().to_owned()));
        }
        SignInAnswer::Refuse => form.push(("decision", "refuse".to_owned())),
    }
    let action = sandbox.sign_in_url();
    let answered = client.post(action).form(&form).send().await.map_err(io)?;
    if answered.status() == StatusCode::SEE_OTHER {
        return location(&answered);
    }
    let status = answered.status();
    let text = answered.text().await.map_err(io)?;
    Err(refused(format!(
        "the sign-in page answered {status}: {}",
        page_error(&text)
    )))
}

fn location(response: &reqwest::Response) -> Result<Url, Error> {
    response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| Url::parse(v).ok())
        .ok_or_else(|| Error::InvalidRequest {
            operation: None,
            message: "the sign-in page redirected without a valid Location".to_owned(),
        })
}

/// The message of an error page, unescaped from HTML, control characters escaped.
fn page_error(text: &str) -> String {
    let message = between(text, "<p id=\"error\">", "</p>").unwrap_or("(no message)");
    let unescaped = message
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    Escaped(&unescaped).to_string()
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = text.find(start)? + start.len();
    let len = text[from..].find(end)?;
    Some(&text[from..from + len])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            html("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn the_page_names_no_script_and_escapes_what_it_shows() {
        let request = PageRequest {
            client: "<script>alert(1)</script>".into(),
            scopes: vec!["/2023-03-01/official/employees".into()],
            provider: None,
            redirect_uri: "https://app.example.com/cb?a=\"b\"".into(),
            request: "abc".into(),
        };
        let response = sign_in_page(&request);
        assert_eq!(response.status(), StatusCode::OK);
        let csp = response.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap();
        assert!(csp.starts_with("default-src 'none'"));
    }
}
