//! The route log: every route as it is registered, so a test can hold the
//! document against what the server really serves.

use std::collections::BTreeSet;
use std::sync::Mutex;

static ROUTES: Mutex<BTreeSet<(String, String)>> = Mutex::new(BTreeSet::new());

/// Notes a route as it is registered (`path` in actix syntax, methods as in
/// an `Allow` header), so a test can hold the document against what the
/// server really serves.
pub fn log_route(path: &str, allow: &str) {
    if let Ok(mut routes) = ROUTES.lock() {
        for method in allow.split(',').map(str::trim).filter(|m| *m != "HEAD") {
            routes.insert((path.to_owned(), method.to_ascii_lowercase()));
        }
    }
}

/// Every (path, method) registered so far in this process (HEAD aside: it
/// answers wherever GET does).
pub fn registered_routes() -> BTreeSet<(String, String)> {
    ROUTES.lock().map(|r| r.clone()).unwrap_or_default()
}
