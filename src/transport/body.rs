//! Bounded body reads: no response body is read past a limit, whatever the server sends
//! (an endless chunked stream, a `content-length` of gigabytes).
//!
//! * Token responses: [`TOKEN_BODY_LIMIT`] (64 KiB). A token response is a few hundred
//!   bytes; 64 KiB leaves room for large JWTs and still bounds every mint.
//! * API success bodies: [`DEFAULT_BODY_LIMIT`] (8 MiB) unless configured with
//!   [`crate::FlowPayrollBuilder::max_response_body`]. The management answers are lists
//!   of a few KiB; 8 MiB is far above any of them and bounds the memory of each call.
//! * Error bodies: at most [`ERROR_BODY_LIMIT`] (16 KiB) is read, enough to decode any
//!   documented error body or a proxy's HTML page; the rest is not read, the error keeps
//!   the prefix and says the body went on.
//!
//! Success bodies of the generated client are read by progenitor; [`limit_response`]
//! wraps their stream in http-body-util's `Limited` (see [`limited`]), which fails the
//! read with [`LimitExceeded`] as soon as the limit is passed; when `content-length`
//! announces more, the read fails at once, before a byte of the body is read.

use std::fmt;

use bytes::Bytes;
use http_body::Body;
use http_body_util::{BodyExt as _, Full, LengthLimitError, Limited};
use reqwest::ResponseBuilderExt as _;

use crate::error::size::size;

/// The most bytes read of a token endpoint answer.
pub const TOKEN_BODY_LIMIT: usize = 64 * 1024;
/// The most bytes read of an error answer; the start of it is kept.
pub const ERROR_BODY_LIMIT: usize = 16 * 1024;
/// The default most bytes read of an API success answer.
pub const DEFAULT_BODY_LIMIT: usize = 8 * 1024 * 1024;

/// A body read up to a limit.
#[derive(Debug)]
pub(crate) struct Capped {
    /// What was read, at most the limit.
    pub bytes: Vec<u8>,
    /// Whether the body ended within the limit.
    pub complete: bool,
}

/// Reads `response`'s body, stopping (and dropping the connection) once `limit` bytes
/// are in hand and more arrive.
pub(crate) async fn read_capped(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Capped, reqwest::Error> {
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        let room = limit - bytes.len();
        if chunk.len() > room {
            bytes.extend_from_slice(&chunk[..room]);
            return Ok(Capped {
                bytes,
                complete: false,
            });
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Capped {
        bytes,
        complete: true,
    })
}

/// The error a [`limited`] body fails with; [`exceeded_limit`] finds it in an error's
/// sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LimitExceeded {
    pub limit: usize,
}

impl fmt::Display for LimitExceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the body is larger than the {} limit", size(self.limit))
    }
}

impl std::error::Error for LimitExceeded {}

/// The limit a [`limited`] body reported somewhere in `error`'s chain of sources.
pub(crate) fn exceeded_limit(error: &(dyn std::error::Error + 'static)) -> Option<usize> {
    let mut current = Some(error);
    while let Some(error) = current {
        if let Some(exceeded) = error.downcast_ref::<LimitExceeded>() {
            return Some(exceeded.limit);
        }
        current = error.source();
    }
    None
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// `body` letting `allowed` bytes through, then failing with a [`LimitExceeded`] that
/// names `limit` (the same number, but for a body refused before it is read):
/// http-body-util's `Limited`, its error given the limit so that [`exceeded_limit`] finds
/// it and the message says it.
pub(crate) fn limited<B>(
    body: B,
    allowed: usize,
    limit: usize,
) -> impl Body<Data = Bytes, Error = BoxError> + Send + Sync + Unpin + 'static
where
    B: Body<Data = Bytes> + Send + Sync + Unpin + 'static,
    B::Error: Into<BoxError>,
{
    Limited::new(body, allowed).map_err(move |error| {
        if error.is::<LengthLimitError>() {
            Box::new(LimitExceeded { limit }) as BoxError
        } else {
            error
        }
    })
}

/// `response` with its body limited to `limit` bytes.
///
/// A body whose length is known and within the limit is left as it is: its
/// `content-length` frames it, and HTTP reads no byte past it (a decompressed body's
/// length is never known in advance, so it is always wrapped). One announced past the
/// limit is not read at all: the body fails on its first read.
pub(crate) fn limit_response(response: reqwest::Response, limit: usize) -> reqwest::Response {
    let fits = response
        .content_length()
        .map(|length| usize::try_from(length).is_ok_and(|length| length <= limit));
    if fits == Some(true) {
        return response;
    }
    let response = into_http(response);
    let response = response.map(|body| {
        if fits == Some(false) {
            // One byte through an allowance of none: the first read fails, and the
            // answer's own body is dropped unread.
            reqwest::Body::wrap(limited(Full::new(Bytes::from_static(b"-")), 0, limit))
        } else {
            reqwest::Body::wrap(limited(body, limit, limit))
        }
    });
    reqwest::Response::from(response)
}

/// `response` as an `http::Response`, keeping its URL where reqwest looks for it when
/// converting back (without it, the response gets a placeholder URL parsed anew each
/// time).
pub(crate) fn into_http(response: reqwest::Response) -> http::Response<reqwest::Body> {
    let url = response.url().clone();
    let mut response: http::Response<reqwest::Body> = response.into();
    if let Ok(marked) = http::Response::builder()
        .url(url)
        .body(())
        .map(http::Response::into_parts)
    {
        response.extensions_mut().extend(marked.0.extensions);
    }
    response
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::pin::Pin;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::{Context, Poll};

    use http_body::{Frame, SizeHint};

    use super::*;

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(size(TOKEN_BODY_LIMIT), "64 KiB");
        assert_eq!(size(ERROR_BODY_LIMIT), "16 KiB");
        assert_eq!(size(DEFAULT_BODY_LIMIT), "8 MiB");
        assert_eq!(size(1000), "1000 bytes");
    }

    /// A body of `chunks`, announcing `announced` bytes (a `content-length`) or, when
    /// `None`, their total; it counts how often it is polled.
    struct Chunks {
        chunks: VecDeque<Bytes>,
        announced: u64,
        polls: Arc<AtomicUsize>,
    }

    fn chunks(sizes: &[usize], announced: Option<u64>) -> Chunks {
        let total = sizes.iter().sum::<usize>() as u64;
        Chunks {
            chunks: sizes.iter().map(|&n| Bytes::from(vec![b'x'; n])).collect(),
            announced: announced.unwrap_or(total),
            polls: Arc::default(),
        }
    }

    impl Body for Chunks {
        type Data = Bytes;
        type Error = std::io::Error;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
            self.polls.fetch_add(1, Ordering::Relaxed);
            let next = self.chunks.pop_front();
            self.announced = self.chunks.iter().map(|c| c.len() as u64).sum();
            Poll::Ready(next.map(|data| Ok(Frame::data(data))))
        }

        fn is_end_stream(&self) -> bool {
            self.chunks.is_empty()
        }

        fn size_hint(&self) -> SizeHint {
            SizeHint::with_exact(self.announced)
        }
    }

    /// Polls `body` to its end: the sizes of the frames it gave, then the limit of the
    /// error it failed with, if it did.
    fn drain<B>(body: &mut B) -> (Vec<usize>, Option<usize>)
    where
        B: Body<Data = Bytes, Error = BoxError> + Unpin,
    {
        let mut context = Context::from_waker(std::task::Waker::noop());
        let mut frames = Vec::new();
        loop {
            match Pin::new(&mut *body).poll_frame(&mut context) {
                Poll::Ready(Some(Ok(frame))) => frames.push(frame.data_ref().unwrap().len()),
                Poll::Ready(Some(Err(error))) => return (frames, exceeded_limit(&*error)),
                Poll::Ready(None) => return (frames, None),
                Poll::Pending => unreachable!("the test body is always ready"),
            }
        }
    }

    #[test]
    fn a_body_of_exactly_the_limit_goes_through_and_one_byte_more_fails() {
        let mut body = limited(chunks(&[3, 3], None), 6, 6);
        assert_eq!(body.size_hint().exact(), Some(6));
        assert!(!body.is_end_stream());
        assert_eq!(drain(&mut body), (vec![3, 3], None));
        assert!(body.is_end_stream());

        // Announced within the limit, but it sends more: the frame past it fails.
        let mut body = limited(chunks(&[3, 3], Some(5)), 5, 5);
        assert_eq!(drain(&mut body), (vec![3], Some(5)));
        let mut body = limited(chunks(&[5, 1], Some(5)), 5, 5);
        assert_eq!(drain(&mut body), (vec![5], Some(5)));
    }

    /// A response whose body is `body`, with the `content-length` it announces.
    fn response_with(body: Chunks) -> reqwest::Response {
        reqwest::Response::from(http::Response::new(reqwest::Body::wrap(body)))
    }

    #[tokio::test]
    async fn an_announced_length_past_the_limit_fails_before_reading() {
        let body = chunks(&[11], None);
        let polls = Arc::clone(&body.polls);
        let response = limit_response(response_with(body), 10);
        let error = response.bytes().await.unwrap_err();
        assert_eq!(exceeded_limit(&error), Some(10));
        assert_eq!(polls.load(Ordering::Relaxed), 0);
        let mut messages = Vec::new();
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&error);
        while let Some(error) = source {
            messages.push(error.to_string());
            source = error.source();
        }
        assert_eq!(
            messages.last().map(String::as_str),
            Some("the body is larger than the 10 bytes limit")
        );

        // Announced within the limit: left as it is and read whole.
        let body = chunks(&[10], None);
        let polls = Arc::clone(&body.polls);
        let bytes = limit_response(response_with(body), 10)
            .bytes()
            .await
            .unwrap();
        assert_eq!(
            (bytes.len(), polls.load(Ordering::Relaxed) >= 1),
            (10, true)
        );

        // Not announced (as after decompression): limited as it is read.
        let mut body = chunks(&[6, 6], None);
        body.announced = 0;
        let mut body = limited(body, 10, 10);
        assert_eq!(drain(&mut body), (vec![6], Some(10)));
    }

    #[test]
    fn the_limit_is_found_anywhere_in_an_error_chain_and_named() {
        #[derive(Debug)]
        struct Wrapper(LimitExceeded);
        impl fmt::Display for Wrapper {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("wrapped")
            }
        }
        impl std::error::Error for Wrapper {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let exceeded = LimitExceeded { limit: 7 };
        assert_eq!(exceeded_limit(&exceeded), Some(7));
        assert_eq!(exceeded_limit(&Wrapper(exceeded)), Some(7));
        assert_eq!(exceeded_limit(&std::io::Error::other("unrelated")), None);
        assert_eq!(
            LimitExceeded {
                limit: ERROR_BODY_LIMIT
            }
            .to_string(),
            "the body is larger than the 16 KiB limit"
        );
    }

    fn response_of(sizes: &[usize]) -> reqwest::Response {
        let body = reqwest::Body::wrap(limited(chunks(sizes, None), usize::MAX, usize::MAX));
        reqwest::Response::from(http::Response::new(body))
    }

    #[tokio::test]
    async fn read_capped_keeps_exactly_the_limit_and_says_whether_the_body_ended() {
        let whole = read_capped(response_of(&[4, 4]), 8).await.unwrap();
        assert_eq!((whole.bytes.len(), whole.complete), (8, true));
        let cut = read_capped(response_of(&[4, 4]), 6).await.unwrap();
        assert_eq!((cut.bytes.len(), cut.complete), (6, false));
        let cut = read_capped(response_of(&[4, 4]), 3).await.unwrap();
        assert_eq!((cut.bytes.len(), cut.complete), (3, false));
    }
}
