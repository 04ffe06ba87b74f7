//! The TCP connection as actix's HTTP/1 dispatcher sees it.
//!
//! A few answers are written by the dispatcher itself, before any service
//! runs, and actix has no hook for them: `400` for a request it cannot parse
//! (a raw UTF-8 target, a target over the `http` crate's 65,534 bytes, a
//! broken header line), `431` for a head over its 128 KiB buffer, `408` for a
//! head that did not arrive in time and `500` for a connection cut in the
//! middle of a message. They go out with an empty body and no content type.
//!
//! [`Connection`] wraps the socket and recognises them on the way out: such
//! an answer is always the last thing the dispatcher writes on a connection
//! it is closing, a status line followed at once by `content-length: 0` and
//! no content type (every answer of ours has a body and a type). It writes
//! the problem document every other answer has in its place. A `400` or
//! `431` for a request whose request line was longer than the URL limit
//! becomes the documented `414`.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use actix_web::http::StatusCode;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::http::error::{PROBLEM_JSON, plain_problem};
use crate::http::limits::MAX_URL_BYTES;

/// A socket whose dispatcher-made refusals carry problem documents.
pub struct Connection<T> {
    io: T,
    /// How long the request head may take (named in the 408 answer).
    head_timeout: Duration,
    /// A rewritten answer, and how much of it is written.
    out: Vec<u8>,
    written: usize,
    /// Bytes of the line being read.
    line: usize,
    /// The first line read since the last answer went out: the request line
    /// of the request being parsed.
    request_line: Option<usize>,
}

impl<T> Connection<T> {
    pub fn new(io: T, head_timeout: Duration) -> Self {
        Self {
            io,
            head_timeout,
            out: Vec::new(),
            written: 0,
            line: 0,
            request_line: None,
        }
    }

    fn saw(&mut self, mut bytes: &[u8]) {
        while let Some(end) = bytes.iter().position(|&b| b == b'\n') {
            self.line += end;
            self.request_line.get_or_insert(self.line);
            self.line = 0;
            bytes = &bytes[end + 1..];
        }
        self.line += bytes.len();
    }

    /// The request line's length, finished or not.
    fn request_line(&self) -> usize {
        self.request_line.unwrap_or(self.line)
    }

    /// The answer with a problem document in place of the empty body.
    fn rewrite(&self, head: &[u8], refusal: Refusal) -> Vec<u8> {
        let too_long = self.request_line() > MAX_URL_BYTES;
        let (status, code, title, detail) = match refusal.status {
            StatusCode::BAD_REQUEST | StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE if too_long => (
                StatusCode::URI_TOO_LONG,
                "uri_too_long",
                "URI too long",
                format!(
                    "the request line is {} bytes; the limit on the target is {MAX_URL_BYTES}",
                    self.request_line()
                ),
            ),
            StatusCode::BAD_REQUEST => (
                refusal.status,
                "bad_request",
                "Bad request",
                "the request is not valid HTTP/1.1: a character the target must \
                 percent-encode (UTF-8 goes as %E0%A6%AC…), or a malformed request \
                 line or header"
                    .to_owned(),
            ),
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => (
                refusal.status,
                "headers_too_large",
                "Request header fields too large",
                "the request head is over 128 KiB or has more than 96 header lines".to_owned(),
            ),
            StatusCode::REQUEST_TIMEOUT => (
                refusal.status,
                "request_timeout",
                "Request timeout",
                format!(
                    "the request head did not arrive within {} s",
                    self.head_timeout.as_secs_f32()
                ),
            ),
            _ => (
                refusal.status,
                "internal",
                "Internal server error",
                "the connection ended in the middle of a request".to_owned(),
            ),
        };
        let body = serde_json::to_vec(&plain_problem(status, code, title, &detail))
            .unwrap_or_else(|_| b"{}".to_vec());
        let mut out = Vec::with_capacity(head.len() + body.len() + 128);
        out.extend_from_slice(&head[..refusal.version_end]);
        out.extend_from_slice(status.as_str().as_bytes());
        out.push(b' ');
        out.extend_from_slice(status.canonical_reason().unwrap_or("").as_bytes());
        out.extend_from_slice(b"\r\ncontent-type: ");
        out.extend_from_slice(PROBLEM_JSON.as_bytes());
        out.extend_from_slice(b"\r\ncache-control: no-store\r\ncontent-length: ");
        out.extend_from_slice(body.len().to_string().as_bytes());
        out.extend_from_slice(b"\r\n");
        // The dispatcher's own headers (`connection: close`, `date`) and the
        // blank line.
        out.extend_from_slice(&head[refusal.headers_start..]);
        out.extend_from_slice(&body);
        out
    }

    /// Writes what is left of a rewritten answer.
    fn drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>>
    where
        T: AsyncWrite + Unpin,
    {
        while self.written < self.out.len() {
            let n = ready!(Pin::new(&mut self.io).poll_write(cx, &self.out[self.written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.written += n;
        }
        self.out.clear();
        self.written = 0;
        Poll::Ready(Ok(()))
    }
}

/// Where a dispatcher-made refusal sits in a head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Refusal {
    status: StatusCode,
    /// End of `HTTP/1.x ` in the head.
    version_end: usize,
    /// Start of the headers after `content-length: 0`.
    headers_start: usize,
}

/// The start of a dispatcher-made refusal at the end of `buf`, if it ends
/// with one.
fn find_refusal(buf: &[u8]) -> Option<(usize, Refusal)> {
    const EMPTY: &[u8] = b"\r\ncontent-length: 0\r\n";
    if !buf.ends_with(b"\r\n\r\n") {
        return None;
    }
    // The head is short: its status line is among the last bytes.
    let from = buf.len().saturating_sub(256);
    let tail = &buf[from..];
    let at = tail.windows(7).rposition(|w| w == b"HTTP/1.")?;
    let head = &tail[at..];
    let version_end = "HTTP/1.1 ".len();
    let code = head.get(version_end..version_end + 3)?;
    let status = StatusCode::from_bytes(code).ok()?;
    if !matches!(
        status,
        StatusCode::BAD_REQUEST
            | StatusCode::REQUEST_TIMEOUT
            | StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE
            | StatusCode::INTERNAL_SERVER_ERROR
    ) {
        return None;
    }
    let line_end = head.windows(2).position(|w| w == b"\r\n")?;
    if !head[line_end..].starts_with(EMPTY) {
        return None;
    }
    let headers_start = line_end + EMPTY.len();
    if head[headers_start..]
        .windows(13)
        .any(|w| w.eq_ignore_ascii_case(b"content-type:"))
    {
        return None;
    }
    Some((
        from + at,
        Refusal {
            status,
            version_end,
            headers_start,
        },
    ))
}

impl<T: AsyncRead + Unpin> AsyncRead for Connection<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let res = Pin::new(&mut this.io).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = res {
            this.saw(&buf.filled()[before..]);
        }
        res
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Connection<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.drain(cx))?;
        if let Some((at, refusal)) = find_refusal(buf) {
            let mut out = buf[..at].to_vec();
            out.extend(this.rewrite(&buf[at..], refusal));
            this.out = out;
            this.written = 0;
            // The whole buffer is taken; what the socket does not accept
            // now goes out on the next write, flush or shutdown.
            if let Poll::Ready(Err(e)) = this.drain(cx) {
                return Poll::Ready(Err(e));
            }
            return Poll::Ready(Ok(buf.len()));
        }
        let res = Pin::new(&mut this.io).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = res
            && n > 0
        {
            // An answer is going out: the next line read starts a request.
            this.request_line = None;
            this.line = 0;
        }
        res
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.drain(cx))?;
        Pin::new(&mut this.io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.drain(cx))?;
        Pin::new(&mut this.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    const DATE: &str = "date: Sun, 06 Dec 2026 02:30:00 GMT\r\n";

    fn refusal(status: &str) -> String {
        format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n{DATE}\r\n")
    }

    /// Reads `request` into a connection, writes `answer` out of it and
    /// returns what reached the client.
    async fn through(request: &[u8], answer: &[u8]) -> String {
        let (client, server) = tokio::io::duplex(1 << 20);
        let mut conn = Connection::new(server, Duration::from_secs(5));
        let (mut client_read, mut client_write) = tokio::io::split(client);
        client_write.write_all(request).await.unwrap();
        let mut seen = vec![0; request.len()];
        conn.read_exact(&mut seen).await.unwrap();
        conn.write_all(answer).await.unwrap();
        conn.shutdown().await.unwrap();
        let mut out = Vec::new();
        client_read.read_to_end(&mut out).await.unwrap();
        String::from_utf8(out).unwrap()
    }

    fn body(answer: &str) -> serde_json::Value {
        let (_, body) = answer.split_once("\r\n\r\n").unwrap();
        serde_json::from_str(body).unwrap()
    }

    #[tokio::test]
    async fn a_bare_400_gets_a_problem_document() {
        let out = through(
            b"GET /\xe0\xa6\xac HTTP/1.1\r\n\r\n",
            refusal("400 Bad Request").as_bytes(),
        )
        .await;
        assert!(out.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{out}");
        assert!(out.contains("content-type: application/problem+json\r\n"));
        assert!(out.contains("connection: close\r\n") && out.contains(DATE));
        let (head, body_text) = out.split_once("\r\n\r\n").unwrap();
        assert!(head.contains(&format!("content-length: {}\r\n", body_text.len())));
        assert_eq!(body(&out)["code"], "bad_request");
        assert_eq!(body(&out)["status"], 400);
    }

    #[tokio::test]
    async fn a_400_for_an_overlong_request_line_is_414() {
        let request = format!("GET /{} HTTP/1.1\r\nhost: x\r\n\r\n", "a".repeat(70_000));
        let out = through(request.as_bytes(), refusal("400 Bad Request").as_bytes()).await;
        assert!(out.starts_with("HTTP/1.1 414 URI Too Long\r\n"), "{out}");
        assert_eq!(body(&out)["code"], "uri_too_long");
        // A long header line is not a long target.
        let request = format!("GET / HTTP/1.1\r\nx-a: {}\r\n\r\n", "a".repeat(70_000));
        let out = through(request.as_bytes(), refusal("400 Bad Request").as_bytes()).await;
        assert!(out.starts_with("HTTP/1.1 400 "), "{out}");
    }

    #[tokio::test]
    async fn timeouts_and_big_heads_are_named() {
        let out = through(b"GE", refusal("408 Request Timeout").as_bytes()).await;
        assert_eq!(body(&out)["code"], "request_timeout");
        let out = through(
            b"GET / HTTP/1.1\r\n",
            refusal("431 Request Header Fields Too Large").as_bytes(),
        )
        .await;
        assert_eq!(body(&out)["code"], "headers_too_large");
    }

    #[tokio::test]
    async fn answers_of_ours_pass_unchanged() {
        let ours = "HTTP/1.1 400 Bad Request\r\ncontent-length: 2\r\ncontent-type: application/problem+json\r\n\r\n{}";
        assert_eq!(
            through(b"GET / HTTP/1.1\r\n\r\n", ours.as_bytes()).await,
            ours
        );
        // A bodiless 304 (and a 200 to HEAD) ends with a blank line too.
        let not_modified = format!("HTTP/1.1 304 Not Modified\r\n{DATE}\r\n");
        assert_eq!(
            through(b"GET / HTTP/1.1\r\n\r\n", not_modified.as_bytes()).await,
            not_modified
        );
        let typed =
            "HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\ncontent-type: text/plain\r\n\r\n";
        assert_eq!(
            through(b"GET / HTTP/1.1\r\n\r\n", typed.as_bytes()).await,
            typed
        );
    }

    #[tokio::test]
    async fn a_refusal_after_a_pipelined_answer_keeps_the_answer() {
        let first = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok";
        let answer = format!("{first}{}", refusal("400 Bad Request"));
        let out = through(
            b"GET / HTTP/1.1\r\n\r\nGET /\xff HTTP/1.1\r\n\r\n",
            answer.as_bytes(),
        )
        .await;
        assert!(out.starts_with(first), "{out}");
        assert_eq!(body(&out[first.len()..])["code"], "bad_request");
    }
}
