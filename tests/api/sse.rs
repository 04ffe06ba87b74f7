//! A Server-Sent Events reader for the tests: frames as (id, event, data).

use std::time::Duration as StdDuration;

use serde_json::Value;

use crate::helpers::TestApp;

/// An SSE reader: frames as (id, event, data).
pub struct Sse {
    res: reqwest::Response,
    buf: String,
}

#[derive(Debug, Clone)]
pub struct Frame {
    pub id: Option<String>,
    pub event: Option<String>,
    pub data: Value,
    comment: bool,
}

impl Frame {
    /// The id of a live page's event (a number).
    pub fn n(&self) -> i64 {
        self.id.as_deref().and_then(|i| i.parse().ok()).unwrap()
    }
}

impl Sse {
    /// The stream of one live page.
    pub async fn open(app: &TestApp, article: &str, last: Option<i64>) -> Self {
        Self::connect(
            app,
            &format!("/v1/articles/{article}/posts/stream"),
            last.map(|l| l.to_string()).as_deref(),
        )
        .await
    }

    /// Any stream, resumed after `last` when given.
    pub async fn connect(app: &TestApp, path: &str, last: Option<&str>) -> Self {
        let mut req = app.client.get(app.url(path));
        if let Some(l) = last {
            req = req.header("last-event-id", l);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status().as_u16(), 200);
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/event-stream")
        );
        let mut s = Self {
            res,
            buf: String::new(),
        };
        let first = s.raw().await;
        assert_eq!(first, "retry: 3000");
        s
    }

    /// The next raw frame (without its blank line).
    pub async fn raw(&mut self) -> String {
        loop {
            if let Some(i) = self.buf.find("\n\n") {
                let f = self.buf[..i].to_owned();
                self.buf.drain(..i + 2);
                return f;
            }
            let chunk = tokio::time::timeout(StdDuration::from_secs(20), self.res.chunk())
                .await
                .expect("an event within 20 s")
                .unwrap()
                .expect("the stream is open");
            self.buf.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    }

    /// The next event (heartbeats skipped).
    pub async fn next(&mut self) -> Frame {
        loop {
            let raw = self.raw().await;
            let mut f = Frame {
                id: None,
                event: None,
                data: Value::Null,
                comment: false,
            };
            for line in raw.lines() {
                if let Some(v) = line.strip_prefix("id: ") {
                    f.id = Some(v.to_owned());
                } else if let Some(v) = line.strip_prefix("event: ") {
                    f.event = Some(v.to_owned());
                } else if let Some(v) = line.strip_prefix("data: ") {
                    f.data = serde_json::from_str(v).unwrap();
                } else if line.starts_with(':') {
                    f.comment = true;
                }
            }
            if !f.comment {
                return f;
            }
        }
    }

    /// Whether the server ended the stream.
    pub async fn ended(&mut self) -> bool {
        matches!(
            tokio::time::timeout(StdDuration::from_secs(20), self.res.chunk()).await,
            Ok(Ok(None))
        )
    }
}
