//! Configuration: one clap struct, every option a flag and a `TOVHOLDER_*` environment variable.
//!
//! The defaults start the embedded mode (a SQLite file next to the binary, listening on localhost only), so
//! `tovholder serve` with no configuration works. Secrets (`--jwt-secret`, `--demo-password` and the database URL,
//! which may hold a password) are `SecretString`s: their `Debug` output is redacted, and `--help` does not echo
//! their environment values. Prefer the environment for secrets: command lines are visible in `ps`.

use std::net::SocketAddr;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use secrecy::SecretString;

/// Tovholder: offline-first sync backend for outreach social work.
#[derive(Debug, Parser)]
#[command(name = "tovholder", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server. (Boxed: the configuration is much larger than the other commands.)
    Serve(Box<ServeConfig>),
    /// Work with the access log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Unblock a user or create an admin, directly in the database: the way back in when the only admin is
    /// locked out. Written to the access log.
    #[command(subcommand)]
    Users(UsersCommand),
}

/// `tovholder users …`.
#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Clear a user's lockout (after three failed logins within a day).
    Unblock(UserArgs),
    /// Create an admin of a municipality. The password is read from TOVHOLDER_NEW_PASSWORD, or else from the
    /// first line of standard input (never from the command line, where other users could see it).
    CreateAdmin(UserArgs),
}

/// Which user, in which database.
#[derive(Debug, Args)]
pub struct UserArgs {
    /// Database, as for `serve`.
    #[arg(
        long,
        env = "TOVHOLDER_DATABASE_URL",
        default_value = "sqlite:./tovholder.db",
        hide_env_values = true
    )]
    pub database_url: SecretString,
    /// The municipality's slug, e.g. hoeje-taastrup.
    #[arg(long)]
    pub tenant: String,
    /// The user name.
    #[arg(long)]
    pub username: String,
}

/// `tovholder audit …`.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the access log's hash chain; prints the first broken row or "chain intact (N rows)".
    Verify {
        /// Database, as for `serve`.
        #[arg(
            long,
            env = "TOVHOLDER_DATABASE_URL",
            default_value = "sqlite:./tovholder.db",
            hide_env_values = true
        )]
        database_url: SecretString,
    },
}

/// Options of `tovholder serve`.
#[derive(Clone, Debug, Args)]
pub struct ServeConfig {
    /// Database: `sqlite:PATH` (embedded; the file is created if missing) or `postgres://USER@HOST/DB` (several
    /// processes may share one PostgreSQL database).
    #[arg(
        long,
        env = "TOVHOLDER_DATABASE_URL",
        default_value = "sqlite:./tovholder.db",
        hide_env_values = true
    )]
    pub database_url: SecretString,

    /// Address to listen on. Port 0 picks a free port (the chosen address is printed).
    #[arg(long, env = "TOVHOLDER_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// OpenID Connect issuer whose ID tokens (RS256/ES256) log users in, e.g. the municipality's Entra ID. With
    /// `--oidc-audience`, `--oidc-jwks-url` and `--oidc-tenant`; off when unset.
    #[arg(long, env = "TOVHOLDER_OIDC_ISSUER")]
    pub oidc_issuer: Option<String>,

    /// The audience (client id) the identity provider's ID tokens must name.
    #[arg(long, env = "TOVHOLDER_OIDC_AUDIENCE")]
    pub oidc_audience: Option<String>,

    /// Where the identity provider publishes its signing keys (JWKS).
    #[arg(long, env = "TOVHOLDER_OIDC_JWKS_URL")]
    pub oidc_jwks_url: Option<String>,

    /// The tenant (slug) whose users the identity provider logs in.
    #[arg(long, env = "TOVHOLDER_OIDC_TENANT")]
    pub oidc_tenant: Option<String>,

    /// The ID token claim holding the Tovholder username.
    #[arg(
        long,
        env = "TOVHOLDER_OIDC_USERNAME_CLAIM",
        default_value = "preferred_username"
    )]
    pub oidc_username_claim: String,

    /// The built web app (`npm run build` in clients/web), served at `/`. Without it the server runs the API and
    /// sync alone.
    #[arg(long, env = "TOVHOLDER_WEB_DIR", default_value = "clients/web/dist")]
    pub web_dir: std::path::PathBuf,

    /// Load the synthetic demo municipalities and users at start (idempotent), and print their logins.
    #[arg(long, env = "TOVHOLDER_DEMO")]
    pub demo: bool,

    /// How many demo cases to create in all (with --demo, in a database that has none yet), spread over the demo
    /// workers as the default sixty are: e.g. 10000 to measure the back office at a municipality's scale.
    #[arg(long, env = "TOVHOLDER_DEMO_SCALE", default_value_t = crate::demo::DEFAULT_CASES,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub demo_scale: u32,

    /// Password for every demo user. If unset, a random one is generated and printed once.
    #[arg(long, env = "TOVHOLDER_DEMO_PASSWORD", hide_env_values = true)]
    pub demo_password: Option<SecretString>,

    /// HS256 signing secret for access tokens (at least 32 bytes). If unset, one is generated and stored in the
    /// database, so tokens survive restarts and every process on the same database accepts them.
    #[arg(long, env = "TOVHOLDER_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<SecretString>,

    /// `iss` claim of issued tokens; tokens with another issuer are refused.
    #[arg(long, env = "TOVHOLDER_TOKEN_ISSUER", default_value = "tovholder")]
    pub token_issuer: String,

    /// `aud` claim of issued tokens; tokens for another audience are refused.
    #[arg(long, env = "TOVHOLDER_TOKEN_AUDIENCE", default_value = "tovholder-sync")]
    pub token_audience: String,

    /// Lifetime of an access token, e.g. `15m`, `1h`, `900s`.
    #[arg(
        long,
        env = "TOVHOLDER_ACCESS_TOKEN_TTL",
        default_value = "15m",
        value_parser = parse_ttl
    )]
    pub access_token_ttl: Duration,

    /// Maximum offline period: how long a refresh token stays valid after it is issued. A device that does not
    /// refresh within it must log in again.
    #[arg(
        long,
        env = "TOVHOLDER_MAX_OFFLINE",
        default_value = "14days",
        value_parser = parse_ttl
    )]
    pub max_offline: Duration,

    /// How long access log rows are kept before the background task purges them, e.g. `183days`, `1year`.
    #[arg(
        long,
        env = "TOVHOLDER_AUDIT_RETENTION",
        default_value = "183days",
        value_parser = parse_ttl
    )]
    pub audit_retention: Duration,

    /// A course granting more minutes of support a week than this waits for a team lead's approval; a
    /// caseworker may grant up to it alone.
    #[arg(long, env = "TOVHOLDER_GRANT_LIMIT_MINUTES", default_value_t = crate::sync::grants::DEFAULT_LIMIT_MINUTES)]
    pub grant_limit_minutes: i64,

    /// At most this many case documents are held in memory; opening one more first drops the least recently used
    /// tenth (documents unused for a minute are dropped anyway). A case of a few visits takes tens of KiB.
    #[arg(long, env = "TOVHOLDER_DOCUMENTS_HELD", default_value_t = crate::sync::DEFAULT_DOCUMENTS_HELD)]
    pub documents_held: usize,

    /// Requests a minute each address may make to the routes open without a token (logins, refresh, the
    /// citizen's check-in link), all at once if need be; 0 turns the throttle off (e.g. behind a proxy that
    /// throttles). IPv6 addresses count per /64.
    #[arg(long, env = "TOVHOLDER_PUBLIC_REQUESTS_PER_MINUTE", default_value_t = crate::throttle::DEFAULT_PER_MINUTE)]
    pub public_requests_per_minute: u32,

    /// The token an operator's Prometheus scraper shows (`Authorization: Bearer`) to read `GET /metrics`, at
    /// least 24 characters. If unset, `/metrics` does not exist.
    #[arg(long, env = "TOVHOLDER_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<SecretString>,
}

impl ServeConfig {
    /// A configuration for `database_url` with every other option at its default (tests and tools).
    pub fn with_database(database_url: &str) -> Self {
        ServeConfig {
            database_url: SecretString::from(database_url),
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            demo: false,
            demo_scale: crate::demo::DEFAULT_CASES,
            demo_password: None,
            jwt_secret: None,
            token_issuer: "tovholder".to_owned(),
            token_audience: "tovholder-sync".to_owned(),
            access_token_ttl: Duration::from_secs(15 * 60),
            max_offline: Duration::from_secs(14 * 24 * 60 * 60),
            audit_retention: crate::audit::retention::DEFAULT_RETENTION,
            grant_limit_minutes: crate::sync::grants::DEFAULT_LIMIT_MINUTES,
            documents_held: crate::sync::DEFAULT_DOCUMENTS_HELD,
            public_requests_per_minute: crate::throttle::DEFAULT_PER_MINUTE,
            metrics_token: None,
            web_dir: std::path::PathBuf::from("clients/web/dist"),
            oidc_issuer: None,
            oidc_audience: None,
            oidc_jwks_url: None,
            oidc_tenant: None,
            oidc_username_claim: "preferred_username".into(),
        }
    }
}

/// A token lifetime: a humantime duration of at least one second.
fn parse_ttl(text: &str) -> Result<Duration, String> {
    let ttl = humantime::parse_duration(text).map_err(|error| error.to_string())?;
    if ttl.as_secs() == 0 {
        return Err("must be at least 1s".to_owned());
    }
    Ok(ttl)
}

#[cfg(test)]
mod tests {
    use clap::Parser;
    use secrecy::ExposeSecret;

    use super::*;

    fn parse(args: &[&str]) -> Result<ServeConfig, clap::Error> {
        match Cli::try_parse_from(args)?.command {
            Command::Serve(config) => Ok(*config),
            Command::Audit(_) | Command::Users(_) => panic!("not serve"),
        }
    }

    #[test]
    fn flags_override_defaults() {
        let config = parse(&[
            "tovholder",
            "serve",
            "--database-url",
            "postgres://postgres@127.0.0.1/tovholder",
            "--listen",
            "0.0.0.0:9000",
            "--demo",
            "--access-token-ttl",
            "1h",
        ])
        .expect("parses");
        assert_eq!(
            config.database_url.expose_secret(),
            "postgres://postgres@127.0.0.1/tovholder"
        );
        assert_eq!(config.listen, SocketAddr::from(([0, 0, 0, 0], 9000)));
        assert!(config.demo);
        assert_eq!(config.access_token_ttl, Duration::from_secs(3600));
    }

    #[test]
    fn audit_retention_defaults_to_six_months_and_can_be_set() {
        let default = parse(&["tovholder", "serve"]).expect("parses");
        assert_eq!(
            default.audit_retention,
            crate::audit::retention::DEFAULT_RETENTION
        );
        assert_eq!(default.max_offline, Duration::from_secs(14 * 24 * 3600));
        let set = parse(&["tovholder", "serve", "--audit-retention", "30days"]).expect("parses");
        assert_eq!(set.audit_retention, Duration::from_secs(30 * 24 * 3600));
    }

    #[test]
    fn audit_verify_is_a_command() {
        let cli = Cli::try_parse_from(["tovholder", "audit", "verify", "--database-url", "sqlite:x.db"]);
        assert!(matches!(
            cli.map(|c| c.command),
            Ok(Command::Audit(AuditCommand::Verify { .. }))
        ));
    }

    #[test]
    fn a_zero_ttl_is_refused() {
        assert!(parse(&["tovholder", "serve", "--access-token-ttl", "0s"]).is_err());
    }

    #[test]
    fn debug_output_hides_secrets() {
        let mut config = ServeConfig::with_database("postgres://u:hunter2@db/tovholder");
        config.jwt_secret = Some(SecretString::from("a-very-secret-signing-key-of-32-bytes"));
        config.metrics_token = Some(SecretString::from("a-very-secret-scrape-token"));
        let printed = format!("{config:?}");
        assert!(!printed.contains("hunter2") && !printed.contains("a-very-secret"));
    }
}
