//! A bound on the fragmented messages a WebSocket client may send.
//!
//! actix's WebSocket codec caps each frame (64 KiB), but a message split
//! into continuation frames is gathered by async-graphql's actor without a
//! limit: a client sending `Continue` frames forever would grow one buffer
//! until the process runs out of memory. [`MessageBudget`] reads the same
//! bytes with a codec of its own (they pass on unchanged) and ends the
//! connection with an error when a fragmented message grows past `max`.

use std::pin::Pin;
use std::task::{Context, Poll};

use actix_codec::Decoder;
use actix_http::error::PayloadError;
use actix_http::ws::{Codec, Frame, Item};
use actix_web::web::{Bytes, BytesMut};
use futures_util::Stream;

pub struct MessageBudget<S> {
    inner: S,
    codec: Codec,
    buf: BytesMut,
    /// Bytes of the fragmented message being gathered.
    gathered: usize,
    max: usize,
    /// The frames stopped making sense to our codec: the actor's codec
    /// refuses them too and closes the connection; stop watching.
    blind: bool,
    over: bool,
}

impl<S> MessageBudget<S> {
    pub fn new(inner: S, max: usize) -> Self {
        Self {
            inner,
            codec: Codec::new(),
            buf: BytesMut::new(),
            gathered: 0,
            max,
            blind: false,
            over: false,
        }
    }

    /// Reads the frames `chunk` completes; false once a fragmented message
    /// is over the budget.
    fn watch(&mut self, chunk: &Bytes) -> bool {
        if self.blind {
            return true;
        }
        self.buf.extend_from_slice(chunk);
        loop {
            match self.codec.decode(&mut self.buf) {
                Ok(Some(Frame::Continuation(item))) => {
                    let (first, len) = match &item {
                        Item::FirstText(b) | Item::FirstBinary(b) => (true, b.len()),
                        Item::Continue(b) | Item::Last(b) => (false, b.len()),
                    };
                    self.gathered = if first { len } else { self.gathered + len };
                    if self.gathered > self.max {
                        return false;
                    }
                    if matches!(item, Item::Last(_)) {
                        self.gathered = 0;
                    }
                }
                Ok(Some(_)) => {}
                Ok(None) => return true,
                Err(_) => {
                    self.blind = true;
                    self.buf = BytesMut::new();
                    return true;
                }
            }
        }
    }
}

impl<S> Stream for MessageBudget<S>
where
    S: Stream<Item = Result<Bytes, PayloadError>> + Unpin,
{
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.over {
            return Poll::Ready(None);
        }
        match Pin::new(&mut self.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                if self.watch(&chunk) {
                    Poll::Ready(Some(Ok(chunk)))
                } else {
                    self.over = true;
                    tracing::debug!(
                        max = self.max,
                        "a fragmented WebSocket message is over its limit"
                    );
                    Poll::Ready(Some(Err(PayloadError::Overflow)))
                }
            }
            other => other,
        }
    }
}
