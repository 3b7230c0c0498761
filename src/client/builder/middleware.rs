//! [`FlowPayrollBuilder::layer`]: the application's tower layers around every request
//! the client sends (`crate::transport::middleware` runs them).

use std::fmt;
use std::sync::Arc;

use super::FlowPayrollBuilder;
use crate::transport::middleware::{BoxError, HttpRequest, HttpResponse, Inner, LayerFn};

/// The layers added so far, the first outermost.
#[derive(Clone, Default)]
pub(crate) struct Layers(pub(crate) Vec<LayerFn>);

impl fmt::Debug for Layers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} layer(s)", self.0.len())
    }
}

impl FlowPayrollBuilder {
    /// Wraps every request the client sends (API calls, token requests, and the
    /// requests of [`crate::FlowPayroll::raw`]) in a tower [`Layer`](tower::Layer).
    /// The first layer added is the outermost, as with tower's `ServiceBuilder`.
    ///
    /// A layer sees an [`http::Request`] whose extensions hold its
    /// [`Operation`](crate::operation::Operation), and the response the layers under it
    /// return. It never sees the credentials: the crate's own service, under every
    /// layer, attaches them after checking that the request still goes to the origin
    /// they were configured for (a layer that sends it elsewhere gets
    /// [`crate::Error::InvalidRequest`], and nothing is sent). Whatever a layer does,
    /// the request's timeout bounds it, its panic becomes [`crate::Error::Middleware`],
    /// and the body limits hold. See [`crate::middleware`].
    ///
    /// ```
    /// use tower::util::MapRequestLayer;
    ///
    /// let fp = flowpayroll::FlowPayroll::builder()
    ///     .credentials("id", "secret")
    ///     .layer(MapRequestLayer::new(|mut request: flowpayroll::middleware::HttpRequest| {
    ///         request.headers_mut().insert("x-team", "payroll".parse().unwrap());
    ///         request
    ///     }))
    ///     .build();
    /// assert!(fp.is_ok());
    /// ```
    pub fn layer<L>(mut self, layer: L) -> Self
    where
        L: tower::Layer<Inner> + Send + Sync + 'static,
        L::Service:
            tower::Service<HttpRequest, Response = HttpResponse> + Clone + Send + Sync + 'static,
        <L::Service as tower::Service<HttpRequest>>::Error: Into<BoxError>,
        <L::Service as tower::Service<HttpRequest>>::Future: Send + 'static,
    {
        let wrap: LayerFn = Arc::new(move |inner: Inner| {
            Inner::new(tower::ServiceExt::map_err(layer.layer(inner), Into::into))
        });
        self.layers.0.push(wrap);
        self
    }
}
