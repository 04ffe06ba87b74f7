//! Stub: the end-to-end tests live in `api/`.
