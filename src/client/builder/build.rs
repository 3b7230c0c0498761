//! [`FlowPayrollBuilder::build`]: checks what was configured, fills in the defaults, and
//! wires the HTTP client, token endpoint, fleet and token cache into one [`FlowPayroll`].

use std::sync::Arc;
use std::time::Duration;

use url::Url;

use super::{FlowPayrollBuilder, ProxyChoice};
use crate::auth::cache::TokenCache;
use crate::auth::mint::Minter;
use crate::auth::source::TokenSource;
use crate::auth::token::TokenEndpoint;
use crate::client::{ClientInner, FlowPayroll};
use crate::clock::SystemClock;
use crate::config;
use crate::error::Error;
use crate::limiter::Limiter;
use crate::retry::hold::ApiHold;
use crate::transport::context::user_value;
use crate::transport::http_client::{self, HttpSettings, Timeouts};
use crate::transport::middleware::Stack;

impl FlowPayrollBuilder {
    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<FlowPayroll, Error> {
        let client_id = self.client_id.filter(|id| !id.is_empty()).ok_or_else(|| {
            Error::Config(
                "no client id: call `credentials` or set FLOWPAYROLL_CLIENT_ID".to_owned(),
            )
        })?;
        let client_secret = self
            .client_secret
            .filter(|secret| !secret.expose_secret().is_empty())
            .ok_or_else(|| {
                Error::Config(
                    "no client secret: call `credentials` or set FLOWPAYROLL_CLIENT_SECRET"
                        .to_owned(),
                )
            })?;
        let token_url = checked(
            "the token URL",
            self.token_url
                .unwrap_or_else(|| Ok(self.environment.token_url()))?,
        )?;
        let api_url = checked(
            "the API URL",
            self.api_url
                .unwrap_or_else(|| Ok(self.environment.api_url()))?,
        )?;
        let scope = self
            .scope
            .map(|scopes| config::scope_param(&scopes))
            .transpose()?;
        let https_proxy = match self.https_proxy {
            ProxyChoice::System => None,
            ProxyChoice::Off => Some(None),
            ProxyChoice::Https(url) => Some(Some(String::from(url?))),
        };
        let user_id = self
            .user_id
            .as_deref()
            .map(user_value)
            .transpose()
            .map_err(|message| Error::InvalidRequest {
                operation: None,
                message,
            })?;
        let api_request = self.timeout.unwrap_or(Duration::from_secs(30));
        let token_request = self.token_timeout.unwrap_or(Duration::from_secs(10));
        let connect = self.connect_timeout.unwrap_or(Duration::from_secs(10));
        let api_timeouts = Timeouts {
            connect: connect.min(api_request).min(token_request),
            request: api_request,
            request_limit: crate::error::Limit::Request,
        };
        let http = http_client::client(&HttpSettings {
            timeouts: api_timeouts,
            https_proxy,
            root_certificates: self.root_certificates,
        })?;
        // reqwest's timeouts run on Tokio's clock, the default one.
        let budget_outlasts_request =
            self.clock.is_none() && self.retry.total_budget >= api_timeouts.request;
        let clock = self.clock.unwrap_or_else(|| Arc::new(SystemClock));
        let stack = Stack::new(
            &self.layers.0,
            http.clone(),
            client_secret.clone(),
            api_timeouts.request,
        );
        let endpoint = TokenEndpoint {
            http: http.clone(),
            url: token_url,
            client_id: client_id.clone(),
            client_secret: client_secret.clone(),
            method: self.token_auth,
            scope: scope.flatten(),
            timeouts: Timeouts {
                request: token_request,
                request_limit: crate::error::Limit::TokenRequest,
                ..api_timeouts
            },
            stack: stack.clone(),
        };
        let hold = Arc::new(ApiHold::new(clock.now(), self.retry.total_budget));
        let limiter = self
            .rate_limit
            .map(|limit| Limiter::new(limit, Arc::clone(&clock)).map(Arc::new))
            .transpose()?;
        #[cfg(feature = "redis")]
        let fleet = match &self.redis_url {
            Some(url) => Some(crate::fleet::Fleet::new(
                url,
                crate::fleet::Member::of(&endpoint),
                self.fleet_policy,
                Arc::clone(&clock),
                &hold,
                limiter.as_ref(),
            )?),
            None => None,
        };
        let minter = Minter::new(endpoint, Arc::clone(&clock), self.token_requests.clone())
            .limited_by(limiter.clone());
        // In fleet mode the cache's flights ask the fleet before minting.
        #[cfg(feature = "redis")]
        let source: Arc<dyn TokenSource> = match &fleet {
            Some(fleet) => Arc::new(crate::fleet::source::FleetSource {
                fleet: fleet.clone(),
                minter,
                clock: Arc::clone(&clock),
                refresh: self.refresh.clone(),
                requests: self.token_requests.clone(),
            }),
            None => Arc::new(minter),
        };
        #[cfg(not(feature = "redis"))]
        let source: Arc<dyn TokenSource> = Arc::new(minter);
        let tokens = TokenCache::new(
            source,
            Arc::clone(&clock),
            self.refresh,
            self.token_requests,
        );
        Ok(FlowPayroll::new(
            ClientInner {
                http,
                api_url: api_url.as_str().trim_end_matches('/').to_owned(),
                api_origin: Arc::new(api_url.origin()),
                client_id,
                client_secret,
                body_limit: self
                    .max_response_body
                    .unwrap_or(crate::transport::body::DEFAULT_BODY_LIMIT),
                timeouts: api_timeouts,
                budget_outlasts_request,
                tokens,
                retry: self.retry,
                transient: self.transient.build(),
                clock,
                hold,
                stack,
                limiter,
                #[cfg(feature = "redis")]
                fleet,
            },
            user_id,
        ))
    }
}

fn checked(what: &str, url: Url) -> Result<Url, Error> {
    config::check_url(what, &url)?;
    Ok(url)
}
