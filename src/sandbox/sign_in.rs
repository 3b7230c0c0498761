//! The sandbox's sign-in page (`GET /connect`, `POST /connect`): it checks a sign-in
//! link as the hosted page does, asks a person to pick a provider and allow or refuse
//! (plain HTML forms, no JavaScript), and redirects to the redirect URI with a code
//! ([`super::codes`]) or an error (RFC 6749 §4.1.2). Faults queued with
//! [`Sandbox::fail_next_sign_in`] make it refuse or fail.

// An early answer is returned as `Err(Response)`, the usual axum shape.
#![allow(clippy::result_large_err)]

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{RawQuery, State as AppState};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use url::Url;

use super::codes::{Grant, CODE_LIFETIME, REMEMBERED_CODES};
use super::page::{error_page, redirect, sign_in_page, PageRequest, SignInAnswer};
use super::{lock, Sandbox, State};
use crate::generated::model::open_enums::{Mode, Provider, Scope};

/// The longest sign-in link query (and form body) the page reads, in bytes.
pub const MAX_SIGN_IN_QUERY: usize = 8 * 1024;
/// The most fault runs queued for the sign-in page.
const MAX_FAULT_RUNS: usize = 1024;

/// What a queued fault makes the sign-in page do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SignInFault {
    /// Redirect at once with `error=access_denied`, as if the person had refused.
    Refuse,
    /// Redirect at once with `error=server_error`.
    ServerError,
    /// Answer 503 with an error page; nothing is redirected.
    Unavailable,
}

/// Sign-ins shown and waiting for the person's answer, and the queued faults. Not
/// `Debug`: it holds `state`s.
#[derive(Default)]
pub(super) struct SignIns {
    waiting: HashMap<String, Waiting>,
    order: VecDeque<String>,
    faults: VecDeque<(SignInFault, u64)>,
}

/// A sign-in the page showed: what an answer to it grants.
struct Waiting {
    redirect_uri: String,
    scopes: Arc<[Scope]>,
    mode: Mode,
    provider: Option<Provider>,
    state: Option<String>,
    shown_at: Instant,
}

impl SignIns {
    fn take_fault(&mut self) -> Option<SignInFault> {
        let (fault, left) = self.faults.front_mut()?;
        let fault = *fault;
        *left -= 1;
        if *left == 0 {
            self.faults.pop_front();
        }
        Some(fault)
    }

    fn wait(&mut self, waiting: Waiting) -> String {
        let id = format!("{:032x}", fastrand::u128(..));
        self.waiting.insert(id.clone(), waiting);
        self.order.push_back(id.clone());
        while self.order.len() > REMEMBERED_CODES {
            if let Some(oldest) = self.order.pop_front() {
                self.waiting.remove(&oldest);
            }
        }
        id
    }

    fn answer(&mut self, id: &str, now: Instant) -> Option<Waiting> {
        let waiting = self.waiting.remove(id)?;
        self.order.retain(|other| other != id);
        (now.saturating_duration_since(waiting.shown_at) <= CODE_LIFETIME).then_some(waiting)
    }
}

/// Queues `times` sign-ins that `fault`; answers how many are queued.
pub(super) fn queue_fault(
    state: &State,
    fault: SignInFault,
    times: u64,
) -> Result<u64, &'static str> {
    let mut sign_ins = lock(&state.sign_ins);
    if sign_ins.faults.len() >= MAX_FAULT_RUNS {
        return Err("1024 different sign-in faults are already queued");
    }
    // Zero runs queue nothing (a zero count would never be used up).
    if times > 0 {
        sign_ins.faults.push_back((fault, times));
    }
    Ok(sign_ins
        .faults
        .iter()
        .map(|(_, n)| *n)
        .fold(0, u64::saturating_add))
}

pub(super) fn router() -> Router<Arc<State>> {
    Router::new().route("/connect", get(show).post(answer))
}

/// The parameters of a query or form, each at most once; or why not.
fn params(raw: &[u8]) -> Result<HashMap<String, String>, String> {
    if raw.len() > MAX_SIGN_IN_QUERY {
        return Err(format!(
            "the request is longer than {MAX_SIGN_IN_QUERY} bytes"
        ));
    }
    let mut found = HashMap::new();
    for (name, value) in url::form_urlencoded::parse(raw) {
        if found.insert(name.to_string(), value.into_owned()).is_some() {
            return Err(format!("`{name}` is given more than once"));
        }
    }
    Ok(found)
}

/// `GET /connect?client_id=..&mode=..&redirect_uri=..&scope=..`: the page, or why not.
async fn show(AppState(state): AppState<Arc<State>>, RawQuery(query): RawQuery) -> Response {
    let query = query.unwrap_or_default();
    let params = match params(query.as_bytes()) {
        Ok(params) => params,
        Err(why) => return error_page(StatusCode::BAD_REQUEST, &why),
    };
    let field = |name: &str| {
        params
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    };
    // Until the client and its redirect URI check out, nothing is redirected
    // (RFC 6749 §4.1.2.1): the page says what is wrong instead.
    if field("client_id") != Some(state.config.client_id.as_str()) {
        return error_page(
            StatusCode::BAD_REQUEST,
            "client_id is missing or not a client of this server",
        );
    }
    let Some(redirect_uri) = field("redirect_uri") else {
        return error_page(StatusCode::BAD_REQUEST, "redirect_uri is missing");
    };
    if !lock(&state.account).redirect_registered(redirect_uri) {
        return error_page(StatusCode::BAD_REQUEST, super::account::UNREGISTERED);
    }
    let link_state = field("state").map(str::to_owned);
    let back = |error: &str, description: &str| {
        redirect(
            redirect_uri,
            &[("error", error), ("error_description", description)],
            link_state.as_deref(),
        )
    };
    let mode = match field("mode") {
        Some("official") => Mode::Official,
        Some("developer" | "xhr") => Mode::Xhr,
        Some(_) => return back("invalid_request", "mode must be official or developer"),
        None => return back("invalid_request", "mode is missing"),
    };
    let scopes = match granted(&state.allowed_scopes, field("scope"), &mode) {
        Ok(scopes) => scopes,
        Err((error, description)) => return back(error, description),
    };
    let provider = match field("provider") {
        Some(name) if Provider::KNOWN.contains(&name) => Some(Provider::from(name)),
        Some(_) => return back("invalid_request", "provider is not one this server knows"),
        None => None,
    };
    match lock(&state.sign_ins).take_fault() {
        Some(SignInFault::Refuse) => return back("access_denied", "the user refused access"),
        Some(SignInFault::ServerError) => {
            return back(
                "server_error",
                "the sign-in failed on the server (a sandbox fault)",
            )
        }
        Some(SignInFault::Unavailable) => {
            return error_page(
                StatusCode::SERVICE_UNAVAILABLE,
                "the sign-in page is unavailable (a sandbox fault)",
            )
        }
        None => {}
    }
    let shown = PageRequest {
        client: lock(&state.account).settings().name,
        scopes: scopes.iter().map(|s| s.as_str().to_owned()).collect(),
        provider: provider.as_ref().map(|p| p.as_str().to_owned()),
        redirect_uri: redirect_uri.to_owned(),
        request: String::new(),
    };
    let id = lock(&state.sign_ins).wait(Waiting {
        redirect_uri: redirect_uri.to_owned(),
        scopes,
        mode,
        provider,
        state: link_state,
        shown_at: state.now(),
    });
    sign_in_page(&PageRequest {
        request: id,
        ..shown
    })
}

/// The scopes of a link: each allowed and of the link's mode, or the error to send.
fn granted(
    allowed: &[Scope],
    asked: Option<&str>,
    mode: &Mode,
) -> Result<Arc<[Scope]>, (&'static str, &'static str)> {
    let mut scopes: Vec<Scope> = Vec::new();
    for name in asked
        .unwrap_or_default()
        .split(' ')
        .filter(|s| !s.is_empty())
    {
        let scope = allowed.iter().find(|s| s.as_str() == name).ok_or((
            "invalid_scope",
            "a scope asked for is not granted to this client",
        ))?;
        let named = name
            .split('/')
            .nth(2)
            .map(Mode::from)
            .filter(Mode::is_known);
        if named.is_some_and(|named| named != *mode) {
            return Err((
                "invalid_scope",
                "a scope asked for is of another mode than the link's",
            ));
        }
        if !scopes.contains(scope) {
            scopes.push(scope.clone());
        }
    }
    if scopes.is_empty() {
        return Err(("invalid_request", "scope is missing"));
    }
    Ok(scopes.into())
}

/// `POST /connect` with `request`, `decision` (`allow` or `refuse`) and `provider`.
async fn answer(AppState(state): AppState<Arc<State>>, body: Bytes) -> Response {
    let form = match params(&body) {
        Ok(form) => form,
        Err(why) => return error_page(StatusCode::BAD_REQUEST, &why),
    };
    let field = |name: &str| form.get(name).map(String::as_str);
    let Some(waiting) =
        field("request").and_then(|id| lock(&state.sign_ins).answer(id, state.now()))
    else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "this sign-in expired or was already answered; start again from the application",
        );
    };
    let link_state = waiting.state.as_deref();
    match field("decision") {
        Some("allow") => {}
        Some("refuse") => {
            let error = [
                ("error", "access_denied"),
                ("error_description", "the user refused access"),
            ];
            return redirect(&waiting.redirect_uri, &error, link_state);
        }
        _ => return error_page(StatusCode::BAD_REQUEST, "decision must be allow or refuse"),
    }
    let provider = match (&waiting.provider, field("provider")) {
        (Some(fixed), _) => fixed.clone(),
        (None, Some(name)) if Provider::KNOWN.contains(&name) => Provider::from(name),
        (None, _) => {
            return error_page(StatusCode::BAD_REQUEST, "pick a provider this server knows")
        }
    };
    let grant = Grant {
        redirect_uri: waiting.redirect_uri.clone(),
        scopes: waiting.scopes,
        mode: waiting.mode,
        provider,
    };
    let code = lock(&state.account)
        .codes
        .issue(&state.config.client_id, grant, state.now());
    redirect(
        &waiting.redirect_uri,
        &[("authorization_code", &code)],
        link_state,
    )
}

impl Sandbox {
    /// The sign-in page, such as `http://127.0.0.1:41234/connect`.
    pub fn sign_in_url(&self) -> Url {
        self.url()
            .join(crate::connect::SIGN_IN_PATH)
            .expect("a path joins onto the sandbox URL")
    }

    /// Makes the next `times` sign-ins on the page fail with `fault` (none when `times` is 0).
    pub fn fail_next_sign_in(&self, times: u64, fault: SignInFault) {
        // At most 1024 runs, as through the control API; past it the fault is dropped.
        let _ = queue_fault(&self.state, fault, times);
    }

    /// Plays the person in the browser: opens `link` (a sign-in link to this sandbox),
    /// answers the page, and returns where the page redirected, the callback URL (or
    /// the redirect with an error, when the link was refused). An error page is an
    /// [`Error::InvalidRequest`](crate::error::Error::InvalidRequest) with its text.
    pub async fn answer_sign_in(
        &self,
        link: &Url,
        answer: SignInAnswer,
    ) -> Result<Url, crate::error::Error> {
        super::page::answer_as_browser(self, link, answer).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Bytes weighted toward a query's separators and escapes: read with each name
        /// once, or refused for a repeat; never a panic. Exists for the repeat refusal
        /// (two of `a`, `b` as names come up often) and the escape decoding (`%`, `+`).
        #[test]
        fn any_query_is_read_or_refused(raw in prop::collection::vec(prop_oneof![
            4 => prop::sample::select(b"=&%+;ab".to_vec()),
            1 => any::<u8>(),
        ], 0..64)) {
            match params(&raw) {
                Ok(found) => prop_assert!(found.len() <= raw.len() / 2 + 1),
                Err(why) => prop_assert!(why.ends_with("is given more than once"), "{why}"),
            }
        }

        /// Exists for both outcomes of `granted` (a scope of the other mode or unknown
        /// refuses; all of the link's mode grant).
        /// Scopes asked for (known ones of both modes, now and then an unknown one):
        /// granted exactly when there is one and each is allowed and of the link's mode.
        #[test]
        fn scopes_are_granted_only_when_allowed_and_of_the_links_mode(
            asked in prop::collection::vec(prop_oneof![
                8 => prop::sample::select(Scope::KNOWN.to_vec()),
                1 => Just("census"),
            ], 0..5),
            official in any::<bool>(),
        ) {
            let allowed: Vec<Scope> = Scope::KNOWN.iter().map(|s| Scope::from(*s)).collect();
            let mode = if official { Mode::Official } else { Mode::Xhr };
            let fits = |s: &&str| s.split('/').nth(2) == Some(mode.as_str());
            let expected = !asked.is_empty() && asked.iter().all(fits);
            prop_assert_eq!(granted(&allowed, Some(&asked.join(" ")), &mode).is_ok(), expected);
        }
    }

    #[test]
    fn an_oversized_query_is_refused() {
        let raw = vec![b'a'; MAX_SIGN_IN_QUERY + 1];
        assert_eq!(
            params(&raw),
            Err(format!(
                "the request is longer than {MAX_SIGN_IN_QUERY} bytes"
            ))
        );
    }
}
