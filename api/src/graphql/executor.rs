//! Runs GraphQL requests: the document limits, persisted queries, a cache
//! of parsed documents, and the finishing of every response (`extensions.
//! code` on each error, spec nulls, the query's key order), around a
//! schema that has no async-graphql extensions.
//!
//! Why not extensions: with even one registered, async-graphql sends every
//! field of every object through the extension chain (a boxed future per
//! extension per field, the field's type name and registry entry looked
//! up), about a quarter of the CPU of a 20-article list. Without them each
//! field resolves on its fast path. The same steps run here instead, once
//! per request.
//!
//! Parsed documents are kept by the hash of their text (and persisted
//! queries by their SHA-256), so an app's few query shapes are parsed and
//! checked against the limits once, not on every request.

use std::sync::Arc;

use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationType};
use async_graphql::registry::Registry;
use async_graphql::{
    BatchRequest, BatchResponse, Data, OutputType, Request, Response, ServerError,
    SubscriptionType, Value,
};
use futures_util::stream::{self, BoxStream, StreamExt};
use sha2::Digest;

use super::mutation::Mutation;
use super::query::Query;
use super::subscription::Subscription;
use super::{BartaSchema, MAX_ALIASES, MAX_QUERY_BYTES, add_code, limits, nulls, order};

/// Text of the parsed documents kept, in bytes of query text (the trees
/// are several times larger; an app's screens are a few hundred KB).
const DOCUMENT_CACHE_BYTES: u64 = 2 * 1024 * 1024;
/// Persisted queries kept (Apollo's automatic persisted queries).
const PERSISTED_QUERIES: u64 = 4096;

/// The schema with its request pipeline; cheap to clone.
#[derive(Clone)]
pub struct GraphqlExecutor(Arc<Inner>);

#[derive(Clone)]
struct Cached {
    doc: Arc<ExecutableDocument>,
    /// Length of the query text: the cache's weight.
    bytes: u32,
}

struct Inner {
    schema: BartaSchema,
    /// Parsed documents that passed the limits, by xxh3 of their text.
    documents: moka::sync::Cache<u128, Cached>,
    /// Registered persisted queries, by the SHA-256 (hex) of their text.
    persisted: moka::sync::Cache<String, Arc<ExecutableDocument>>,
    /// The schema's types, for the nulls of failed fields.
    registry: Registry,
}

/// How the request arrived: over GET a mutation is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Get,
    Post,
    WebSocket,
}

impl GraphqlExecutor {
    pub fn new(schema: BartaSchema) -> Self {
        Self(Arc::new(Inner {
            schema,
            documents: moka::sync::Cache::builder()
                .max_capacity(DOCUMENT_CACHE_BYTES)
                .weigher(|_, cached: &Cached| cached.bytes)
                .build(),
            persisted: moka::sync::Cache::new(PERSISTED_QUERIES),
            registry: registry(),
        }))
    }

    pub fn schema(&self) -> &BartaSchema {
        &self.0.schema
    }

    /// Runs one request.
    pub async fn run(&self, request: Request, via: Via) -> Response {
        let operation = request.operation_name.clone();
        match self.prepare(request, via) {
            Ok((request, doc)) => {
                let mut response = self.0.schema.execute(request).await;
                self.finish(&mut response, Some((&doc, operation.as_deref())));
                response
            }
            Err(error) => self.refused(error),
        }
    }

    /// Runs a batch, each operation as [`Self::run`].
    pub async fn run_batch(&self, batch: BatchRequest, via: Via) -> BatchResponse {
        match batch {
            BatchRequest::Single(r) => BatchResponse::Single(self.run(r, via).await),
            BatchRequest::Batch(rs) => BatchResponse::Batch(
                futures_util::future::join_all(rs.into_iter().map(|r| self.run(r, via))).await,
            ),
        }
    }

    fn refused(&self, error: ServerError) -> Response {
        let mut response = Response::from_errors(vec![error]);
        self.finish(&mut response, None);
        response
    }

    /// The request with its document parsed (or taken from the caches),
    /// or the error that refuses it before validation.
    fn prepare(
        &self,
        mut request: Request,
        via: Via,
    ) -> Result<(Request, Arc<ExecutableDocument>), ServerError> {
        if request.query.len() > MAX_QUERY_BYTES {
            return Err(coded(
                format!("The query document exceeds {MAX_QUERY_BYTES} bytes."),
                "QUERY_TOO_LARGE",
            ));
        }
        let doc = match request.extensions.remove("persistedQuery") {
            Some(value) => self.persisted(&request.query, value)?,
            None => self.document(&request.query)?,
        };
        if via == Via::Get
            && operation_type(&doc, request.operation_name.as_deref())
                == Some(OperationType::Mutation)
        {
            return Err(coded(
                "Mutations must be sent with POST.",
                "METHOD_NOT_ALLOWED",
            ));
        }
        request.set_parsed_query(doc.as_ref().clone());
        Ok((request, doc))
    }

    /// Apollo's automatic persisted queries: a hash alone runs a query
    /// registered before; a hash with its query registers it.
    fn persisted(&self, query: &str, value: Value) -> Result<Arc<ExecutableDocument>, ServerError> {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct PersistedQuery {
            version: i32,
            sha256_hash: String,
        }
        let pq: PersistedQuery = async_graphql::from_value(value).map_err(|_| {
            ServerError::new("Invalid \"PersistedQuery\" extension configuration.", None)
        })?;
        if pq.version != 1 {
            return Err(ServerError::new(
                format!(
                    "Only the \"PersistedQuery\" extension of version \"1\" is supported, and the current version is \"{}\".",
                    pq.version
                ),
                None,
            ));
        }
        if query.is_empty() {
            return self
                .0
                .persisted
                .get(&pq.sha256_hash)
                .ok_or_else(|| ServerError::new("PersistedQueryNotFound", None));
        }
        let hash = format!("{:x}", sha2::Sha256::digest(query.as_bytes()));
        if pq.sha256_hash != hash {
            return Err(ServerError::new("provided sha does not match query", None));
        }
        let doc = self.document(query)?;
        self.0.persisted.insert(hash, doc.clone());
        Ok(doc)
    }

    /// The parsed document of `query`, checked against the limits: from
    /// the cache, or parsed and checked now (and kept when it passes).
    fn document(&self, query: &str) -> Result<Arc<ExecutableDocument>, ServerError> {
        let key = xxhash_rust::xxh3::xxh3_128(query.as_bytes());
        if let Some(cached) = self.0.documents.get(&key) {
            return Ok(cached.doc);
        }
        let doc = async_graphql::parser::parse_query(query).map_err(|e| {
            let e = ServerError::from(e);
            // The parser gives up on deep nesting (a recursion limit, or
            // pest's stack limit) with the whole document in its message.
            if e.message.contains("recursion limit") || e.message.contains("stack limit") {
                coded("The query is nested too deeply.", "QUERY_TOO_DEEP")
            } else {
                let mut error = coded(syntax_message(&e.message), "GRAPHQL_PARSE_FAILED");
                error.locations = e.locations;
                error
            }
        })?;
        check_limits(&doc)?;
        let doc = Arc::new(doc);
        let bytes = u32::try_from(query.len()).unwrap_or(u32::MAX);
        self.0.documents.insert(
            key,
            Cached {
                doc: doc.clone(),
                bytes,
            },
        );
        Ok(doc)
    }

    /// Every error gets its `extensions.code`; an executed operation gets
    /// the spec's nulls for failed fields and the query's key order.
    fn finish(&self, response: &mut Response, doc: Option<(&ExecutableDocument, Option<&str>)>) {
        let executed = !matches!(response.data, Value::Null);
        if let Some((doc, operation)) = doc
            && (executed || !response.errors.is_empty())
        {
            if response.errors.iter().any(|e| !e.path.is_empty()) {
                nulls::propagate(&self.0.registry, doc, operation, response);
            }
            order::reorder(doc, operation, &mut response.data);
        }
        let executed = !matches!(response.data, Value::Null);
        for e in &mut response.errors {
            add_code(e, executed);
        }
    }
}

impl async_graphql::Executor for GraphqlExecutor {
    async fn execute(&self, request: Request) -> Response {
        self.run(request, Via::WebSocket).await
    }

    /// Subscriptions (and queries sent over a WebSocket).
    fn execute_stream(
        &self,
        request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        let operation = request.operation_name.clone();
        match self.prepare(request, Via::WebSocket) {
            Ok((request, doc)) => {
                let this = self.clone();
                self.0
                    .schema
                    .execute_stream_with_session_data(request, session_data.unwrap_or_default())
                    .map(move |mut response| {
                        this.finish(&mut response, Some((&doc, operation.as_deref())));
                        response
                    })
                    .boxed()
            }
            Err(error) => stream::once(futures_util::future::ready(self.refused(error))).boxed(),
        }
    }
}

/// The schema's types, built as async-graphql builds them for the schema
/// (its own copy is not public).
fn registry() -> Registry {
    let mut registry = Registry {
        query_type: <Query as OutputType>::type_name().into_owned(),
        mutation_type: Some(<Mutation as OutputType>::type_name().into_owned()),
        subscription_type: Some(<Subscription as SubscriptionType>::type_name().into_owned()),
        ..Default::default()
    };
    <Query as OutputType>::create_type_info(&mut registry);
    <Mutation as OutputType>::create_type_info(&mut registry);
    <Subscription as SubscriptionType>::create_type_info(&mut registry);
    registry
}

/// The limits checked on the parsed document, before anything expands
/// fragments (complexity, depth and the validation rules do): expanded
/// size computed without expanding, aliases.
fn check_limits(doc: &ExecutableDocument) -> Result<(), ServerError> {
    match limits::expanded_fields(doc) {
        Ok(_) => {}
        Err(limits::Expansion::TooLarge) => {
            return Err(coded(
                format!(
                    "The query selects more than {} fields once its fragments are expanded.",
                    limits::MAX_EXPANDED_FIELDS
                ),
                "QUERY_TOO_COMPLEX",
            ));
        }
        Err(limits::Expansion::Cycle(name)) => {
            return Err(coded(
                format!("Cannot spread fragment \"{name}\" within itself."),
                "GRAPHQL_VALIDATION_FAILED",
            ));
        }
    }
    if limits::count_aliases(doc) > MAX_ALIASES {
        return Err(coded(
            format!("The query uses more than {MAX_ALIASES} aliases."),
            "TOO_MANY_ALIASES",
        ));
    }
    Ok(())
}

fn coded(message: impl Into<String>, code: &'static str) -> ServerError {
    let mut e = ServerError::new(message, None);
    e.extensions
        .get_or_insert_with(Default::default)
        .set("code", code);
    e
}

/// The type of the operation a request would run, when it names one.
fn operation_type(doc: &ExecutableDocument, name: Option<&str>) -> Option<OperationType> {
    match (&doc.operations, name) {
        (DocumentOperations::Single(op), _) => Some(op.node.ty),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).map(|op| op.node.ty),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
            ops.values().next().map(|op| op.node.ty)
        }
        _ => None,
    }
}

/// The parser's complaint without its drawing of the document: pest
/// writes ` --> 1:4`, the line with a caret under it, then `= expected …`;
/// the position is in `locations`.
fn syntax_message(raw: &str) -> String {
    let said = raw
        .lines()
        .rev()
        .find_map(|l| l.trim_start().strip_prefix("= "))
        .unwrap_or(raw)
        .trim();
    format!("Syntax error: {said}")
}
