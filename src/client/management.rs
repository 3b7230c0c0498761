//! [`Management`]: the management endpoints as typed methods, each one generated
//! operation run through [`FlowPayroll`]'s token and retry handling.

use crate::client::FlowPayroll;
use crate::error::Error;
use crate::generated::model::types::{
    ClientSettings, ClientUpdate, ConnectionToken, Disconnection, Introspection, TokenSummary,
};
use crate::generated::model::Operation;
use crate::secret::SecretString;

/// An authorization code, as the authorization step delivered it to a redirect URI:
/// the argument of [`Management::exchange_authorization_code`]. Short-lived but a
/// credential meanwhile, so its `Debug` is redacted.
#[derive(Debug, Clone)]
pub struct AuthorizationCode(SecretString);

impl AuthorizationCode {
    /// The code, as received (the `code` query parameter of the redirect).
    pub fn new(code: impl Into<SecretString>) -> Self {
        Self(code.into())
    }
}

/// The management endpoints (`/2023-03-01/management/...`). Get one with
/// [`FlowPayroll::management`].
///
/// An owned handle: cheap to clone (it holds a clone of the client, which shares the
/// pool and token cache), so it can be stored or moved into a task.
///
/// ```
/// fn spawnable(fp: &flowpayroll::FlowPayroll) -> impl Send + 'static {
///     fp.management()
/// }
/// ```
#[derive(Debug, Clone)]
pub struct Management {
    client: FlowPayroll,
}

impl Management {
    pub(crate) fn new(client: FlowPayroll) -> Self {
        Self { client }
    }

    /// Lists the client's tokens and whether each is still valid
    /// (`GET /2023-03-01/management/tokens`).
    pub async fn tokens(&self) -> Result<Vec<TokenSummary>, Error> {
        self.client
            .call(Operation::ListTokens, |api| async move {
                api.list_tokens().await
            })
            .await
    }

    /// Describes the token this client calls with: scopes, mode, provider
    /// (`GET /2023-03-01/management/introspect`).
    pub async fn introspect(&self) -> Result<Introspection, Error> {
        self.client
            .call(Operation::IntrospectToken, |api| async move {
                api.introspect_token().await
            })
            .await
    }

    /// Disconnects the token this client calls with (`POST /2023-03-01/management/disconnect`).
    /// The token is then dropped from the cache, so the next call mints a new one.
    pub async fn disconnect(&self) -> Result<Disconnection, Error> {
        let (result, token) = self
            .client
            .call_with_token(Operation::DisconnectToken, "", |api| async move {
                api.disconnect_token().await
            })
            .await?;
        self.client.forget_token(token);
        Ok(result)
    }

    /// Reads the client's settings (`GET /2023-03-01/management/client`).
    pub async fn client(&self) -> Result<ClientSettings, Error> {
        self.client
            .call(
                Operation::GetClient,
                |api| async move { api.get_client().await },
            )
            .await
    }

    /// Replaces the client's settings (`POST /2023-03-01/management/client`).
    ///
    /// Build the body with [`ClientUpdate::builder`]; `build` exists once the required
    /// fields are set, and a field the spec adds later comes with a new optional setter,
    /// so code written today keeps compiling:
    ///
    /// ```no_run
    /// # async fn example(fp: flowpayroll::FlowPayroll) -> Result<(), flowpayroll::Error> {
    /// use flowpayroll::types::ClientUpdate;
    ///
    /// let current = fp.management().client().await?;
    /// let update = ClientUpdate::builder()
    ///     .name("Payroll sync")
    ///     .client_secret(current.client_secret)
    ///     .redirect_uris(["https://app.example.com/callback"])
    ///     .webhook_uri("https://app.example.com/hooks")
    ///     .build();
    /// let settings = fp.management().update_client(&update).await?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// Without a required field (here `name`) there is no `build`:
    ///
    /// ```compile_fail,E0599
    /// use flowpayroll::types::ClientUpdate;
    ///
    /// let update = ClientUpdate::builder()
    ///     .client_secret(["secret"])
    ///     .redirect_uris(["https://app.example.com/callback"])
    ///     .build();
    /// ```
    ///
    /// and the generated structs are `#[non_exhaustive]`, so a struct literal does not
    /// compile outside this crate:
    ///
    /// ```compile_fail,E0639
    /// use flowpayroll::types::ClientUpdate;
    ///
    /// let update = ClientUpdate {
    ///     client_secret: vec!["secret".into()],
    ///     name: "Payroll sync".into(),
    ///     redirect_uris: vec![],
    ///     webhook_uri: None,
    /// };
    /// ```
    pub async fn update_client(&self, update: &ClientUpdate) -> Result<ClientSettings, Error> {
        self.client
            .call(Operation::UpdateClient, |api| async move {
                api.update_client(update).await
            })
            .await
    }

    /// Exchanges the authorization `code` received on `redirect_uri` for a connection
    /// token (`POST /2023-03-01/management/token`). The client sends its own id, secret
    /// and the `authorization_code` grant type; `redirect_uri` must be the one of the
    /// original authorization link, exactly (it is sent as given, not normalised).
    ///
    /// The code is an [`AuthorizationCode`], so the two arguments cannot be swapped:
    ///
    /// ```no_run
    /// # async fn example(fp: flowpayroll::FlowPayroll, from_query: String) -> Result<(), flowpayroll::Error> {
    /// use flowpayroll::AuthorizationCode;
    ///
    /// let code = AuthorizationCode::new(from_query);
    /// let token = fp.management().exchange_authorization_code(&code, "https://app.example.com").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn exchange_authorization_code(
        &self,
        code: &AuthorizationCode,
        redirect_uri: &str,
    ) -> Result<ConnectionToken, Error> {
        let exchange = &self
            .client
            .code_exchange(code.0.expose_secret(), redirect_uri);
        // A server may echo the code (the 409 for a reused one does): masked like a secret.
        let sent = code.0.expose_secret();
        self.client
            .call_with_token(
                Operation::ExchangeAuthorizationCode,
                sent,
                |api| async move { api.exchange_authorization_code(exchange).await },
            )
            .await
            .map(|(value, _)| value)
    }
}
