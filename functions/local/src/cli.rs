//! The command line: `ccwb-local serve` and `ccwb-local token`.

use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};

use crate::authorizer::Authorizer;
use crate::dev_issuer::{DevIssuer, IssuerInfo, id_token};
use crate::dev_key::DevKey;
use crate::error::LocalError;
use crate::jwks::{KeySource, RemoteJwks};
use crate::routes::{Functions, api_routes};
use crate::server::{App, router};

/// The ccwb API on one machine: API Gateway's JWT authorizer in front of every function, AWS
/// services from an endpoint such as moto, and an optional development identity provider.
#[derive(Debug, Parser)]
#[command(name = "ccwb-local", version)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// ccwb-local's commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (and the dev issuer) until interrupted.
    Serve(ServeArgs),
    /// Print an id token signed by the dev issuer of a state directory.
    Token(TokenArgs),
    /// Print the route manifest the CDK stack reads (functions/api/routes.json).
    Routes,
}

/// `ccwb-local serve`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("identity").required(true).args(["dev_issuer", "issuer"]))]
pub struct ServeArgs {
    /// Port on 127.0.0.1 (0 picks a free one; the ready line says which).
    #[arg(long, env = "CCWB_LOCAL_PORT", default_value_t = 8787)]
    pub port: u16,
    /// AWS endpoint for DynamoDB, S3 and SSM, e.g. moto at http://127.0.0.1:4566.
    #[arg(long, env = "AWS_ENDPOINT_URL", value_name = "URL")]
    pub aws_endpoint: String,
    /// Where the dev issuer keeps its signing key.
    #[arg(long, env = "CCWB_LOCAL_STATE_DIR", default_value = ".ccwb-local")]
    pub state_dir: PathBuf,
    /// Run the development identity provider and accept its tokens.
    #[arg(long, conflicts_with_all = ["issuer", "jwks_url"])]
    pub dev_issuer: bool,
    /// Groups of users who sign in through the dev issuer's browser flow (comma-separated).
    #[arg(
        long,
        default_value = "ccwb-admins",
        value_name = "GROUPS",
        requires = "dev_issuer"
    )]
    pub dev_groups: String,
    /// Accept tokens from this issuer (the exact `iss` claim).
    #[arg(long, value_name = "URL", requires = "audience")]
    pub issuer: Option<String>,
    /// Accepted audiences (`aud`, or `client_id` of access tokens); comma-separated.
    /// With --dev-issuer, the first is its client id (default `ccwb-local`).
    #[arg(long, value_name = "AUD", value_delimiter = ',')]
    pub audience: Vec<String>,
    /// Seconds between deliveries of pending audit events to Firehose (as a schedule does in AWS).
    #[arg(long, env = "CCWB_AUDIT_DELIVERY_SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub audit_delivery_seconds: u64,
    /// Also stand in for the deployment's CloudFormation stacks and the developers' role in the
    /// AWS endpoint, as `ccwb deploy --outputs-only`, `ccwb status` and `ccwb doctor` read them
    /// (the role trusts the issuer for the first audience). `make run` sets it.
    #[arg(long)]
    pub stacks: bool,
    /// Seconds between reconciles of the developers' role's deny policies with the blocked
    /// users (with --stacks, which creates the role). In AWS the sweeper reconciles every
    /// minute and as soon as a user is noted blocked; locally a short timer stands in for both.
    #[arg(long, env = "CCWB_REVOCATION_SECONDS", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub revocation_seconds: u64,
    /// JWKS location when it is not announced by `<issuer>/.well-known/openid-configuration`
    /// (Cognito's differs from its issuer string when run by moto).
    #[arg(long, value_name = "URL")]
    pub jwks_url: Option<String>,
}

/// `ccwb-local token`.
#[derive(Debug, Args)]
pub struct TokenArgs {
    /// State directory of the running `ccwb-local serve --dev-issuer`.
    #[arg(long, env = "CCWB_LOCAL_STATE_DIR", default_value = ".ccwb-local")]
    pub state_dir: PathBuf,
    /// The user's e-mail address (the `email` claim).
    #[arg(long)]
    pub email: String,
    /// Groups (comma-separated), e.g. `ccwb-admins` for an administrator.
    #[arg(long, value_delimiter = ',')]
    pub groups: Vec<String>,
    /// Seconds until the token expires (1 to 604800).
    #[arg(long, default_value_t = 3600, value_parser = clap::value_parser!(u64).range(1..=604_800))]
    pub ttl: u64,
}

/// Runs the command.
pub async fn run(cli: Cli) -> Result<(), LocalError> {
    match cli.command {
        Command::Serve(args) => serve(args).await,
        Command::Token(args) => {
            println!("{}", token(&args)?);
            Ok(())
        }
        Command::Routes => {
            print!("{}", ccwb_api::routes::manifest());
            Ok(())
        }
    }
}

/// Mints an id token as the dev issuer of `args.state_dir`.
pub fn token(args: &TokenArgs) -> Result<String, LocalError> {
    if args.email.trim().is_empty() {
        return Err(LocalError::Config("--email must not be empty".into()));
    }
    let key = DevKey::load(&args.state_dir)?;
    let info = IssuerInfo::load(&args.state_dir)?;
    let groups: Vec<String> = args
        .groups
        .iter()
        .map(|g| g.trim().to_owned())
        .filter(|g| !g.is_empty())
        .collect();
    id_token(&key, &info, &args.email, &groups, args.ttl, None)
}

async fn serve(args: ServeArgs) -> Result<(), LocalError> {
    std::fs::create_dir_all(&args.state_dir)
        .map_err(|e| LocalError::file("cannot create", &args.state_dir, e))?;
    let settings =
        ccwb_check::Settings::from_env().map_err(|e| LocalError::Config(e.to_string()))?;

    let addr = format!("127.0.0.1:{}", args.port);
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .map_err(|source| LocalError::Listen {
            addr: addr.clone(),
            source,
        })?;
    let port = listener
        .local_addr()
        .map_err(|source| LocalError::Listen { addr, source })?
        .port();
    let base_url = format!("http://127.0.0.1:{port}");

    let (authorizer, dev_issuer) = if args.dev_issuer {
        let audience = args
            .audience
            .first()
            .cloned()
            .unwrap_or_else(|| "ccwb-local".to_owned());
        let info = IssuerInfo {
            issuer: base_url.clone(),
            audience: audience.clone(),
        };
        let groups = args
            .dev_groups
            .split(',')
            .map(str::trim)
            .filter(|g| !g.is_empty())
            .map(str::to_owned)
            .collect();
        let issuer = Arc::new(DevIssuer::start(&args.state_dir, info, groups)?);
        let authorizer = Authorizer::new(base_url.clone(), vec![audience], issuer.key_source());
        (authorizer, Some(issuer))
    } else {
        // clap guarantees an issuer and an audience here.
        let issuer = args.issuer.clone().unwrap_or_default();
        let keys = KeySource::Remote(RemoteJwks::new(issuer.clone(), args.jwks_url.clone()));
        (Authorizer::new(issuer, args.audience.clone(), keys), None)
    };

    let sdk = ccwb_store::aws::load_sdk_config(Some(&args.aws_endpoint)).await;
    let mut names = ccwb_store::ResourceNames::from_env();
    let deployment = serde_json::json!({
        "endpoint": base_url,
        "issuer": authorizer.issuer(),
        "audience": args.audience.first().map(String::as_str).unwrap_or("ccwb-local"),
        "version": env!("CARGO_PKG_VERSION"),
    });
    let provisioned = crate::provision::provision(&sdk, &names, &deployment.to_string()).await?;
    names
        .alert_topic_arn
        .get_or_insert(provisioned.alert_topic_arn);
    if args.stacks {
        let stand_in = crate::stacks::StandIn {
            names: &names,
            api_url: &base_url,
            issuer: authorizer.issuer(),
            client_id: args.audience.first().map_or("ccwb-local", String::as_str),
            region: sdk.region().map_or("us-east-1", |r| r.as_ref()),
        };
        crate::stacks::stand_in(&sdk, &stand_in).await?;
    }
    let functions = Functions::new(&settings, &sdk, &names);
    let routes = api_routes(&functions).map_err(LocalError::Config)?;

    spawn_audit_delivery(
        ccwb_store::DynamoStore::new(&sdk, names.clone()),
        std::time::Duration::from_secs(args.audit_delivery_seconds),
    );
    if args.stacks {
        spawn_revocation(
            ccwb_store::DynamoStore::new(&sdk, names.clone()),
            ccwb_store::RoleDenies::new(&sdk, &names),
            std::time::Duration::from_secs(args.revocation_seconds),
        );
    }
    let authorizer = Arc::new(authorizer);
    let dashboard = Arc::new(crate::dashboard::Dashboard {
        authorizer: Arc::clone(&authorizer),
        admin_groups: settings.admin_groups.clone(),
        prices: settings.pricing.clone(),
        store: ccwb_store::DynamoStore::new(&sdk, names.clone()),
    });
    let app = Arc::new(App {
        routes,
        authorizer,
        healer: crate::heal::Healer::new(sdk.clone(), names.clone(), deployment.to_string()),
    });
    let service = router(app, dev_issuer, dashboard)
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
    // The ready line is what scripts and tests wait for; print it only once requests are served.
    println!("ccwb-local ready on {base_url}");
    tracing::info!(url = %base_url, stack = %names.stack, "serving");
    axum::serve(listener, service)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|source| LocalError::Listen {
            addr: base_url,
            source,
        })
}

/// Delivers audit events left pending (Firehose was down, or a big import) and usage records
/// Firehose refused, in the background, as the `ccwb-sweeper` schedule does in AWS.
fn spawn_audit_delivery(store: ccwb_store::DynamoStore, every: std::time::Duration) {
    tokio::spawn(async move {
        // The first run waits one interval: at start there is nothing left over to deliver.
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            // Failures are logged by `sweep` and retried at the next tick.
            let _ = ccwb_lambda::audit::sweep(&store).await;
        }
    });
}

/// Reconciles the developers' role's deny policies in the background, as the `ccwb-sweeper`
/// does in AWS (there, every minute and on each blocked user noted).
fn spawn_revocation(
    store: ccwb_store::DynamoStore,
    denies: ccwb_store::RoleDenies,
    every: std::time::Duration,
) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let now = time::OffsetDateTime::now_utc();
            if let Err(err) = ccwb_lambda::revocation::reconcile(&store, &denies, now).await {
                tracing::warn!(error = %err, "deny policies not reconciled; retrying at the next tick");
            }
        }
    });
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => return interrupt.await.unwrap_or_default(),
            };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    interrupt.await.unwrap_or_default();
}
