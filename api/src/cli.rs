//! The `barta` command line.

use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;

use anyhow::Context;
use chrono::{DateTime, Utc};
use clap::{Args, Parser, Subcommand};
use domain::bangla::CalendarRule;
use indicatif::{ProgressBar, ProgressStyle};
use persistence::ContentRepo;

use crate::config::{DEFAULT_BIND, DEFAULT_DATABASE_URL, Settings};
use crate::import::{PublishedFallback, import_lines};
use crate::startup::{Application, open_database};

#[derive(Debug, Parser)]
#[command(
    name = "barta",
    version,
    about = "A headless news content API for Bengali newsrooms"
)]
struct Cli {
    /// Log as JSON lines (also BARTA_LOG_FORMAT=json).
    #[arg(long, global = true)]
    json_logs: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Args, Clone)]
struct DatabaseArg {
    /// Database URL: sqlite://FILE?mode=rwc or postgres://…
    #[arg(long = "database", env = "BARTA_DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true)]
    url: String,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API (the default command).
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate {
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Print the GraphQL schema (SDL); `schema.graphql` is this output.
    Schema,
    /// Rebuild the search index from the database.
    Reindex {
        #[command(flatten)]
        db: DatabaseArg,
        /// Index directory (default: beside an SQLite file, else ./barta-index).
        #[arg(long, env = "BARTA_INDEX_DIR")]
        index_dir: Option<PathBuf>,
    },
    /// Manage API keys.
    Keys {
        #[command(subcommand)]
        action: KeysAction,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Probe a running server's /healthz (for container health checks).
    Healthcheck {
        /// The address the server listens on.
        #[arg(long, env = "BARTA_BIND", default_value = DEFAULT_BIND)]
        bind: String,
    },
    /// Import articles from a JSON Lines file (idempotent by external id).
    Import {
        /// The .jsonl file; one article per line.
        file: PathBuf,
        #[command(flatten)]
        db: DatabaseArg,
        /// Publish lines without `published_at` at this time (RFC 3339, or
        /// `now`) instead of importing them as drafts.
        #[arg(long)]
        published_at_fallback: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum KeysAction {
    /// Create a key and print it once (only its hash is stored).
    Create {
        #[arg(long)]
        name: String,
        /// editor, partner or admin
        #[arg(long)]
        scope: String,
    },
    /// List keys (never the secrets).
    List,
    /// Revoke a key by id.
    Revoke { id: i64 },
}

#[derive(Debug, Args, Clone)]
struct ServeArgs {
    #[command(flatten)]
    db: DatabaseArg,
    /// Address to listen on.
    #[arg(long, env = "BARTA_BIND", default_value = DEFAULT_BIND)]
    bind: String,
    /// Fill an empty database with demo content.
    #[arg(long)]
    demo: bool,
    /// Search index directory (default: beside an SQLite file, else
    /// ./barta-index; in memory for an in-memory database).
    #[arg(long, env = "BARTA_INDEX_DIR")]
    index_dir: Option<PathBuf>,
    /// Bangla calendar rule for display strings: 2019 (official) or 1987.
    #[arg(long, env = "BARTA_BANGLA_CALENDAR", default_value = "2019")]
    calendar: String,
    /// Behind a proxy or CDN: take the reader's address from
    /// `Forwarded`/`X-Forwarded-For` for comment flood control.
    #[arg(long, env = "BARTA_TRUST_PROXY")]
    trust_proxy: bool,
    /// Refuse comments posted without a form token.
    #[arg(long, env = "BARTA_COMMENTS_REQUIRE_TOKEN")]
    comments_require_token: bool,
}

impl Default for ServeArgs {
    fn default() -> Self {
        Self {
            db: DatabaseArg {
                url: std::env::var("BARTA_DATABASE_URL")
                    .unwrap_or_else(|_| DEFAULT_DATABASE_URL.to_owned()),
            },
            bind: std::env::var("BARTA_BIND").unwrap_or_else(|_| DEFAULT_BIND.to_owned()),
            demo: false,
            index_dir: std::env::var("BARTA_INDEX_DIR").ok().map(PathBuf::from),
            calendar: std::env::var("BARTA_BANGLA_CALENDAR").unwrap_or_else(|_| "2019".to_owned()),
            trust_proxy: env_flag("BARTA_TRUST_PROXY"),
            comments_require_token: env_flag("BARTA_COMMENTS_REQUIRE_TOKEN"),
        }
    }
}

/// A boolean environment variable as clap reads one: unset, empty, `0`,
/// `false`, `no` and `off` are false.
fn env_flag(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| {
        !matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "" | "0" | "false" | "no" | "off"
        )
    })
}

pub fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let json = cli.json_logs
        || std::env::var("BARTA_LOG_FORMAT").is_ok_and(|v| v.eq_ignore_ascii_case("json"));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match cli.command.unwrap_or(Command::Serve(ServeArgs::default())) {
        Command::Schema => {
            print!("{}", crate::graphql::sdl());
            Ok(())
        }
        Command::Healthcheck { bind } => healthcheck(&bind),
        Command::Reindex { db, index_dir } => {
            crate::telemetry::init(json);
            runtime.block_on(async {
                let repo = ContentRepo::new(open_database(&db.url).await?);
                let dir = index_dir.or_else(|| crate::config::default_index_dir(&db.url));
                let Some(dir) = dir else {
                    anyhow::bail!("an in-memory database has no index to rebuild");
                };
                if dir.exists() {
                    std::fs::remove_dir_all(&dir)?;
                }
                let started = std::time::Instant::now();
                let (index, _) = crate::search::SearchIndex::open(Some(&dir))?;
                let n = index.rebuild(&repo, Utc::now()).await?;
                println!(
                    "indexed {n} public articles in {:.1} s into {}",
                    started.elapsed().as_secs_f64(),
                    dir.display()
                );
                Ok(())
            })
        }
        Command::Keys { action, db } => {
            crate::telemetry::init(json);
            runtime.block_on(keys(action, db.url))
        }
        Command::Serve(args) => {
            crate::telemetry::init(json);
            runtime.block_on(serve(args))
        }
        Command::Migrate { db } => {
            crate::telemetry::init(json);
            runtime.block_on(async {
                open_database(&db.url).await?;
                eprintln!("migrations applied");
                Ok(())
            })
        }
        Command::Import {
            file,
            db,
            published_at_fallback,
        } => {
            crate::telemetry::init(json);
            runtime.block_on(import(file, db.url, published_at_fallback))
        }
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let calendar: CalendarRule = args
        .calendar
        .parse()
        .map_err(|_| anyhow::anyhow!("--calendar must be 2019 or 1987"))?;
    let mut settings = Settings::new(args.db.url, args.bind);
    settings.index_dir = args
        .index_dir
        .or_else(|| crate::config::default_index_dir(&settings.database_url));
    settings.demo = args.demo;
    settings.calendar_rule = calendar;
    settings.comments.trust_proxy = args.trust_proxy;
    settings.comments.require_form_token = args.comments_require_token;
    // The form-token key is a secret: from the environment only, never a flag.
    settings.comments.secret = std::env::var("BARTA_COMMENT_SECRET")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .map(crate::config::Secret);
    let app = Application::build(settings.clone()).await?;
    tracing::info!(
        database = %crate::startup::redact(&settings.database_url),
        "Barta listening on http://{}:{} (GraphiQL at /graphql)",
        settings.bind.rsplit_once(':').map(|(h, _)| h).unwrap_or("127.0.0.1"),
        app.port()
    );
    app.run_until_stopped().await?;
    Ok(())
}

async fn import(file: PathBuf, url: String, fallback: Option<String>) -> anyhow::Result<()> {
    let fallback = match fallback.as_deref() {
        None => PublishedFallback::Draft,
        Some("now") => PublishedFallback::At(Utc::now()),
        Some(t) => PublishedFallback::At(
            DateTime::parse_from_rfc3339(t)
                .context("--published-at-fallback must be RFC 3339 or `now`")?
                .to_utc(),
        ),
    };
    let size = std::fs::metadata(&file)
        .with_context(|| format!("cannot read {}", file.display()))?
        .len();
    let reader = BufReader::new(
        File::open(&file).with_context(|| format!("cannot open {}", file.display()))?,
    );
    let db = open_database(&url).await?;
    let repo = ContentRepo::new(db);
    let bar = ProgressBar::new(size);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} line {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let report = import_lines(&repo, reader, fallback, Utc::now(), |line, bytes| {
        bar.set_position(bytes);
        bar.set_message(line.to_string());
    })
    .await?;
    bar.finish_and_clear();
    for (line, message) in &report.failed {
        eprintln!("line {line}: skipped: {message}");
    }
    println!(
        "imported {} lines: {} created, {} updated, {} unchanged, {} skipped",
        report.total(),
        report.created,
        report.updated,
        report.unchanged,
        report.failed.len()
    );
    Ok(())
}

/// GET /healthz over a plain socket: the runtime image has no curl.
fn healthcheck(bind: &str) -> anyhow::Result<()> {
    use std::io::{Read, Write};
    use std::time::Duration;
    let port = bind.rsplit_once(':').map(|(_, p)| p).unwrap_or("8080");
    let addr = format!("127.0.0.1:{port}");
    let addr: std::net::SocketAddr = addr.parse().context("bad --bind")?;
    let mut stream = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    stream.write_all(b"GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n")?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head)?;
    if head.starts_with(b"HTTP/1.1 200") || head.starts_with(b"HTTP/1.0 200") {
        Ok(())
    } else {
        anyhow::bail!("unhealthy: {}", String::from_utf8_lossy(&head))
    }
}

async fn keys(action: KeysAction, url: String) -> anyhow::Result<()> {
    let repo = ContentRepo::new(open_database(&url).await?);
    let ctx = persistence::WriteContext::system(Utc::now());
    match action {
        KeysAction::Create { name, scope } => {
            let scope: domain::Scope = scope
                .parse()
                .map_err(|_| anyhow::anyhow!("--scope must be editor, partner or admin"))?;
            let name = name.trim();
            if name.is_empty() || name.chars().count() > 100 {
                anyhow::bail!("--name must be 1 to 100 characters");
            }
            let (secret, hash, prefix) = crate::auth::generate_key()?;
            let key = repo.create_key(name, scope, &hash, &prefix, ctx).await?;
            eprintln!(
                "created key {} ({}, scope {}); store it now, it is not shown again:",
                key.id, key.name, key.scope
            );
            println!("{secret}");
        }
        KeysAction::List => {
            println!(
                "{:>4}  {:<8}  {:<14}  {:<20}  {:<20}  name",
                "id", "scope", "prefix", "created", "revoked"
            );
            for k in repo.keys().await? {
                println!(
                    "{:>4}  {:<8}  {:<14}  {:<20}  {:<20}  {}",
                    k.id,
                    k.scope,
                    k.prefix,
                    k.created_at.format("%Y-%m-%d %H:%M:%S"),
                    k.revoked_at
                        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                        .unwrap_or_else(|| "-".into()),
                    k.name
                );
            }
        }
        KeysAction::Revoke { id } => {
            if repo.revoke_key(id, ctx).await? {
                println!("key {id} revoked");
            } else {
                anyhow::bail!("no key {id}");
            }
        }
    }
    Ok(())
}
