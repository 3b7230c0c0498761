//! Webhook deliveries from the sandbox: when the client's `webhook_uri` is set, the
//! sandbox POSTs a signed employees diff (or a given payload) to it on request, the way
//! the spec's `employeesChanged` callback describes, so a receiver can be tested end to
//! end. Deliveries are bounded: a timeout ([`SandboxConfig::webhook_timeout`]), a body
//! size ([`MAX_WEBHOOK_BODY`]), generated lists ([`MAX_GENERATED`]) and deliveries in
//! flight ([`MAX_IN_FLIGHT`]); redirects are never followed. Each one is counted in
//! [`Stats::webhooks`](super::Stats::webhooks) with the receiver's status.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

use serde::Serialize;
use serde_json::{json, Value};
use tokio::sync::Semaphore;

use super::{lock, Sandbox, SandboxConfig, State};
use crate::error::Error;
use crate::webhook::{sign, EMPLOYEES_ORIGIN, ORIGIN_HEADER, SIGNATURE_HEADER};

/// The largest body the sandbox delivers, in bytes.
pub const MAX_WEBHOOK_BODY: usize = 1024 * 1024;
/// The most generated employees in each list of a generated diff.
pub const MAX_GENERATED: usize = 100;
/// The most deliveries in flight at once; more are refused, not queued.
pub const MAX_IN_FLIGHT: usize = 8;

/// What to deliver.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum WebhookPayload {
    /// A made-up employees diff with this many employees in each list (at most
    /// [`MAX_GENERATED`] each).
    Generated {
        /// Employees in `added`.
        added: usize,
        /// Employees in `removed`.
        removed: usize,
        /// Employees in `updated`.
        updated: usize,
    },
    /// This JSON, sent compactly serialised, at most [`MAX_WEBHOOK_BODY`] bytes.
    Json(Value),
}

impl Default for WebhookPayload {
    /// One employee added and one updated.
    fn default() -> Self {
        Self::Generated {
            added: 1,
            removed: 0,
            updated: 1,
        }
    }
}

/// How one delivery went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct WebhookDelivery {
    /// The receiver's status, if it answered in time.
    pub status: Option<u16>,
    /// Why there is no status (timed out, connection refused...).
    pub error: Option<String>,
    /// The size of the body sent, in bytes.
    pub bytes: usize,
}

impl WebhookDelivery {
    /// Whether the receiver answered with a 2xx.
    pub fn delivered(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// The webhook counters of [`super::Stats`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct WebhookStats {
    /// Deliveries sent (or tried).
    pub attempted: u64,
    /// Deliveries the receiver answered with a 2xx.
    pub delivered: u64,
    /// Deliveries per receiver status; `none` when it did not answer.
    pub statuses: BTreeMap<String, u64>,
}

/// The sandbox's delivery side: its HTTP client, the in-flight bound and the counters.
#[derive(Debug)]
pub(super) struct Webhooks {
    client: OnceLock<reqwest::Client>,
    in_flight: Semaphore,
    attempted: AtomicU64,
    delivered: AtomicU64,
    statuses: Mutex<BTreeMap<String, u64>>,
}

impl Default for Webhooks {
    fn default() -> Self {
        Self {
            client: OnceLock::new(),
            in_flight: Semaphore::new(MAX_IN_FLIGHT),
            attempted: AtomicU64::new(0),
            delivered: AtomicU64::new(0),
            statuses: Mutex::default(),
        }
    }
}

impl Webhooks {
    pub(super) fn stats(&self) -> WebhookStats {
        WebhookStats {
            attempted: self.attempted.load(Ordering::SeqCst),
            delivered: self.delivered.load(Ordering::SeqCst),
            statuses: lock(&self.statuses).clone(),
        }
    }

    pub(super) fn reset(&self) {
        self.attempted.store(0, Ordering::SeqCst);
        self.delivered.store(0, Ordering::SeqCst);
        lock(&self.statuses).clear();
    }

    fn client(&self, config: &SandboxConfig) -> Result<reqwest::Client, Error> {
        if let Some(client) = self.client.get() {
            return Ok(client.clone());
        }
        let client = crate::transport::tls::client_builder()
            .timeout(config.webhook_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("flowpayroll-sandbox/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Config(format!("the sandbox's webhook client: {e}")))?;
        Ok(self.client.get_or_init(|| client).clone())
    }
}

/// Why a delivery was not sent: webhooks are off, or the request is out of bounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Refusal {
    Off,
    Invalid(String),
}

impl Refusal {
    fn into_error(self) -> Error {
        let message = match self {
            Refusal::Off => OFF.to_owned(),
            Refusal::Invalid(message) => message,
        };
        Error::InvalidRequest {
            operation: None,
            message,
        }
    }
}

pub(super) const OFF: &str = "webhooks are off: the client has no webhook_uri";

/// Sends `payload` to the client's `webhook_uri`, signed with its first secret.
pub(super) async fn deliver(
    state: &State,
    payload: WebhookPayload,
) -> Result<Result<WebhookDelivery, Refusal>, Error> {
    let body = match body_of(payload) {
        Ok(body) => body,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let Some((uri, secret)) = lock(&state.account).webhook() else {
        return Ok(Err(Refusal::Off));
    };
    let uri = match url::Url::parse(&uri) {
        Ok(uri) if matches!(uri.scheme(), "http" | "https") => uri,
        _ => {
            return Ok(Err(Refusal::Invalid(
                "the webhook_uri is not an http(s) URL".to_owned(),
            )))
        }
    };
    let Ok(_permit) = state.webhooks.in_flight.try_acquire() else {
        return Ok(Err(Refusal::Invalid(format!(
            "{MAX_IN_FLIGHT} deliveries are already in flight"
        ))));
    };
    let client = state.webhooks.client(&state.config)?;
    let signature = sign(&secret, &body);
    let bytes = body.len();
    state.webhooks.attempted.fetch_add(1, Ordering::SeqCst);
    let sent = client
        .post(uri)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(SIGNATURE_HEADER, signature)
        .header(ORIGIN_HEADER, EMPLOYEES_ORIGIN)
        .body(body)
        .send()
        .await;
    let delivery = match sent {
        Ok(answer) => WebhookDelivery {
            status: Some(answer.status().as_u16()),
            error: None,
            bytes,
        },
        Err(error) => WebhookDelivery {
            status: None,
            error: Some(if error.is_timeout() {
                format!(
                    "no answer within {}",
                    crate::error::seconds(state.config.webhook_timeout)
                )
            } else if error.is_connect() {
                "could not connect to the webhook_uri".to_owned()
            } else {
                "the receiver did not answer".to_owned()
            }),
            bytes,
        },
    };
    if delivery.delivered() {
        state.webhooks.delivered.fetch_add(1, Ordering::SeqCst);
    }
    let key = delivery
        .status
        .map_or_else(|| "none".to_owned(), |s| s.to_string());
    *lock(&state.webhooks.statuses).entry(key).or_default() += 1;
    Ok(Ok(delivery))
}

fn body_of(payload: WebhookPayload) -> Result<Vec<u8>, Refusal> {
    let value = match payload {
        WebhookPayload::Json(value) => value,
        WebhookPayload::Generated {
            added,
            removed,
            updated,
        } => {
            if added.max(removed).max(updated) > MAX_GENERATED {
                return Err(Refusal::Invalid(format!(
                    "at most {MAX_GENERATED} generated employees per list"
                )));
            }
            json!({
                "added": employees(added, "active"),
                "removed": employees(removed, "terminated"),
                "updated": employees(updated, "leave"),
            })
        }
    };
    let body = serde_json::to_vec(&value)
        .map_err(|_| Refusal::Invalid("the payload does not serialise".to_owned()))?;
    if body.len() > MAX_WEBHOOK_BODY {
        return Err(Refusal::Invalid(format!(
            "the payload is over {MAX_WEBHOOK_BODY} bytes"
        )));
    }
    Ok(body)
}

/// `count` made-up employee records of the shape the vendor documents.
fn employees(count: usize, status: &str) -> Vec<Value> {
    const NAMES: [&str; 4] = ["Daija", "Lourdes", "Amara", "Tomasz"];
    (0..count)
        .map(|i| {
            let first = NAMES[i % NAMES.len()];
            json!({
                "employee_number": format!("{}", fastrand::u32(10_000..100_000)),
                "first_name": first,
                "display_full_name": format!("{first} Sandbox"),
                "employment_status": status,
                "employment_type": "full_time",
                "date_of_birth": "1990-01-01",
                "employments": [{
                    "currency": "eur",
                    "effective_date": "2024-01-01",
                    "employment_type": "full_time",
                    "job_title": "Payroll Specialist",
                    "pay_frequency": "monthly",
                    "pay_period": "YEAR",
                    "pay_rate": 60000,
                }],
            })
        })
        .collect()
}

impl Sandbox {
    /// Delivers `payload` to the client's `webhook_uri` now, signed with its first
    /// secret, and says how the receiver answered. A receiver that fails or hangs is a
    /// [`WebhookDelivery`] without a 2xx, not an error; the error cases are webhooks off
    /// (no `webhook_uri`) and a payload out of bounds ([`Error::InvalidRequest`]).
    pub async fn deliver_webhook(&self, payload: WebhookPayload) -> Result<WebhookDelivery, Error> {
        deliver(&self.state, payload)
            .await?
            .map_err(Refusal::into_error)
    }

    /// Points the client's webhooks at `uri` (such as a receiver your test started on
    /// 127.0.0.1), or turns them off with `None`: what an `update_client` carrying only
    /// a new `webhook_uri` would do, without building one. [`Sandbox::reset`] goes back
    /// to [`SandboxConfig::webhook_uri`].
    pub fn set_webhook_uri(&self, uri: Option<&str>) {
        lock(&self.state.account).set_webhook_uri(uri.map(str::to_owned));
    }
}
