//! The fleet as the token cache's [`TokenSource`]: each flight of the cache asks the
//! fleet first and mints (with the usual [`Minter`]) only when the fleet says so. A token
//! minted here gets its refresh time chosen here, so the fleet shares the very time
//! this member uses; a shared token keeps the refresh time its minter chose.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use super::{Fleet, Obtained};
use crate::auth::mint::Minter;
use crate::auth::source::{Minted, TokenOrigin, TokenSource};
use crate::auth::token::IssuedToken;
use crate::clock::Clock;
use crate::config::policy::{RefreshPolicy, TokenRequestPolicy};
use crate::error::Error;
use crate::observe::Mode;
use crate::retry::wait::failure_cooldown;

/// A [`Minter`] behind a [`Fleet`].
#[derive(Debug)]
pub(crate) struct FleetSource {
    pub fleet: Fleet,
    pub minter: Minter,
    pub clock: Arc<dyn Clock>,
    pub refresh: RefreshPolicy,
    pub requests: TokenRequestPolicy,
}

impl FleetSource {
    async fn run(&self) -> Result<Minted, Error> {
        let mint = || async {
            let mut minted = self.minter.mint().await?;
            let lifetime = minted.issued.lifetime;
            let margin = self.refresh.margin(lifetime, self.clock.jitter());
            minted.refresh_in = Some(lifetime.saturating_sub(margin));
            Ok(minted)
        };
        // The fleet holds back the others for the first cooldown this member applies.
        let cooldown = |error: &Error| failure_cooldown(&self.requests, error, 1);
        match self.fleet.obtain(mint, cooldown).await? {
            Obtained::Minted(minted) => Ok(minted),
            Obtained::Shared(shared) => Ok(Minted {
                issued: IssuedToken {
                    header: shared.header,
                    id: shared.id,
                    lifetime: shared.expires_in,
                },
                sent_at: self.clock.now(),
                refresh_in: Some(shared.refresh_in),
                origin: TokenOrigin::FleetCache,
            }),
        }
    }
}

impl TokenSource for FleetSource {
    fn mint(&self) -> Pin<Box<dyn Future<Output = Result<Minted, Error>> + Send + '_>> {
        Box::pin(self.run())
    }

    fn refused(&self, header: &reqwest::header::HeaderValue) {
        self.fleet.refused(header);
    }

    fn mode(&self) -> Mode {
        Mode::Fleet
    }
}
