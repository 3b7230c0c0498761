//! The generated [`Client`]'s hooks: before each request, the headers of its
//! [`RequestContext`] (and the refusal to send a token anywhere but the API's origin);
//! for each response, the body limit. With middleware layers, the headers are attached
//! (and the origin checked) by the innermost service, under the layers
//! (`crate::transport::middleware`).

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};

use crate::generated::model::Operation;
use crate::raw::client::Client;
use crate::transport::body::limit_response;
use crate::transport::context::RequestContext;
use crate::transport::middleware::failure::Failure;

impl ClientHooks<RequestContext> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        if self.inner.has_access_token() && !self.inner.may_send_token_to(request.url()) {
            return Err(progenitor_client::Error::InvalidRequest(
                "the access token is only sent to the configured API URL".to_owned(),
            ));
        }
        if self.inner.stack().is_none() {
            self.inner.apply(request.headers_mut());
        }
        crate::observe::trace_context::inject(request.headers_mut());
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let response = match self.inner.stack() {
            None => self.client().execute(request).await?,
            Some(stack) => {
                // Every generated method is one of the spec's operations, so it is there.
                let operation = Operation::from_id(info.operation_id);
                let sent = stack.send(request, operation, self.inner.guard(), stack.api_timeout());
                match Box::pin(sent).await {
                    Ok(response) => response,
                    Err(Failure::Reqwest(error)) => return Err(error),
                    Err(Failure::Stack(error)) => return Err(error.into_reqwest().await),
                }
            }
        };
        Ok(limit_response(response, self.inner.body_limit()))
    }
}
