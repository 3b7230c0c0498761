//! The generated [`Client`]'s hooks: before each request, the headers of its
//! [`RequestContext`] (and the refusal to send a token anywhere but the API's origin);
//! for each response, the body limit.

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};

use crate::raw::client::Client;
use crate::transport::body::limit_response;
use crate::transport::context::RequestContext;

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
        self.inner.apply(request.headers_mut());
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        _info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let response = self.client().execute(request).await?;
        Ok(limit_response(response, self.inner.body_limit()))
    }
}
