//! `ccwb package`: the installer package developers receive: `credential-process` for each
//! platform that can be built here ([`build`]), `config.json` from the profile (no secrets,
//! [`config`], with the models of [`crate::models`]), the install scripts, a README,
//! `SHA256SUMS`, and a reproducible zip of it all ([`crate::bundle`]). With `--distribute` the
//! build is then published as `ccwb distribute` publishes one.

mod build;
mod config;
pub mod host;

use std::path::PathBuf;

use crate::bundle::{binary_name, io_error, sha256sums, zip_dir};
use crate::commands::distribute::{self, DEFAULT_EXPIRES_HOURS, Publication};
use crate::error::CliError;
use crate::output::Out;
use crate::session::Session;

const INSTALL_SH: &str = include_str!("../../../templates/install.sh");
const INSTALL_PS1: &str = include_str!("../../../templates/install.ps1");
const README: &str = include_str!("../../../templates/README.md");

/// Arguments of `ccwb package`: platforms, and what goes into `config.json` besides the
/// profile's issuer, client id, region and endpoint.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct PackageArgs {
    /// Platforms (comma-separated): linux-x64, linux-arm64, macos-arm64, macos-x64,
    /// windows-x64, or all [default: all]; the original ccwb's names work too (macos-intel,
    /// windows, and linux or macos for this computer's architecture). Those that cannot be
    /// built here are skipped with a note; `ccwb builds` shows which can and how to add the
    /// others.
    #[arg(
        long = "target",
        visible_alias = "target-platform",
        value_delimiter = ',',
        value_name = "PLATFORMS"
    )]
    pub targets: Option<Vec<String>>,
    /// Use a prebuilt binary for a platform instead of building (repeatable).
    #[arg(long = "binary", value_name = "PLATFORM=PATH")]
    pub binaries: Vec<String>,
    /// Where packages go.
    #[arg(long, default_value = "dist", value_name = "DIR")]
    pub dist: PathBuf,
    /// The AWS profile (and config.json profile) name developers get.
    #[arg(long, default_value = "ClaudeCode", value_name = "NAME")]
    pub profile_name: String,
    /// IAM role developers' tokens are exchanged for (STS AssumeRoleWithWebIdentity)
    /// [default: the auth stack's, stored by `ccwb deploy`].
    #[arg(long, value_name = "ARN", conflicts_with = "identity_pool_id")]
    pub federated_role_arn: Option<String>,
    /// Or a Cognito identity pool [default: the auth stack's, with cognito federation].
    #[arg(long, value_name = "ID")]
    pub identity_pool_id: Option<String>,
    /// The identity provider's type (okta, azure, auth0, cognito, google, generic)
    /// [default: the profile's, from `ccwb init`].
    #[arg(long, value_name = "TYPE")]
    pub provider_type: Option<String>,
    /// What credential-process does when the quota API is unreachable [default: the
    /// profile's].
    #[arg(long, value_parser = ["open", "closed"])]
    pub quota_fail_mode: Option<String>,
    /// Minutes between quota checks while credentials are cached (0 = every time) [default:
    /// the profile's].
    #[arg(long, value_name = "MINUTES")]
    pub quota_check_interval: Option<u32>,
    /// The model Claude Code uses (ANTHROPIC_MODEL): a Bedrock inference profile id such as
    /// us.anthropic.claude-opus-5-5 or its ARN [default: the profile's, else Opus 5.5 in the
    /// region's geography].
    #[arg(long, value_name = "ID")]
    pub model: Option<String>,
    /// Claude Code's small/fast model for background work [default: Haiku 5.5 in the
    /// region's geography].
    #[arg(long, value_name = "ID")]
    pub small_fast_model: Option<String>,
    /// The ccwb source tree to build from (default: found from the current directory).
    #[arg(long, value_name = "DIR")]
    pub source: Option<PathBuf>,
    /// Then publish the build as `ccwb distribute --package-path <the build>` does, and
    /// print its download link (sign-in is checked before building).
    #[arg(long)]
    pub distribute: bool,
    /// With --distribute: hours the download link lives (1-168) [default: 48].
    #[arg(long, requires = "distribute", value_parser = clap::value_parser!(u32).range(1..=168))]
    pub expires_hours: Option<u32>,
    /// Name of the build folder (default: now, UTC; not a flag).
    #[arg(skip)]
    pub timestamp: Option<String>,
}

impl PackageArgs {
    /// Builds the package and says where it is (with `-o json`, also as JSON on stdout); with
    /// `--distribute` publishes it and shows its link (in JSON under `distribution`).
    pub async fn run(self, session: &Session, out: &mut Out<'_>) -> Result<(), CliError> {
        // Signed in first: a refused token is better known before a long build than after.
        let client = if self.distribute {
            Some(session.client(out).await?)
        } else {
            None
        };
        let built = package(&self, session, out)?;
        out.note(format!(
            "Package for {} in {}\nZip: {}",
            built.platforms.join(", "),
            built.dir.display(),
            built.zip.display()
        ))?;
        let Some(client) = client else {
            out.note("Next: ccwb distribute --latest")?;
            if out.is_json() {
                out.json(&serde_json::json!({
                    "dir": built.dir, "zip": built.zip, "platforms": built.platforms,
                }))?;
            }
            return Ok(());
        };
        let how = Publication {
            expires_hours: self.expires_hours.unwrap_or(DEFAULT_EXPIRES_HOURS),
            allowed_ips: None,
        };
        let record = distribute::publish(&client, &built.dir, &how, out).await?;
        if out.is_json() {
            return out.json(&serde_json::json!({
                "dir": built.dir, "zip": built.zip, "platforms": built.platforms,
                "distribution": record,
            }));
        }
        distribute::show(&record, false, out)
    }
}

/// A built package.
#[derive(Debug, Clone)]
pub struct Built {
    /// `dist/<profile>/<timestamp>/`.
    pub dir: PathBuf,
    /// `dist/<profile>/<timestamp>.zip`.
    pub zip: PathBuf,
    /// Platforms it carries.
    pub platforms: Vec<String>,
}

/// Builds the package: checks first, then stages every file and renames the folder into place
/// only when it is complete.
fn package(options: &PackageArgs, session: &Session, out: &mut Out<'_>) -> Result<Built, CliError> {
    let (profile_name, profile) = session.require_profile(
        "no profile selected: the package's config comes from a ccwb profile (`ccwb context create`)",
    )?;
    // The install scripts embed these without quoting; keep them to characters that need none.
    if options.profile_name.is_empty()
        || !options
            .profile_name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err(CliError::Usage(format!(
            "--profile-name {:?}: use letters, digits, '.', '_' and '-'",
            options.profile_name
        )));
    }
    if let Some(region) = &profile.region
        && !region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(CliError::Config(format!(
            "profile {profile_name:?} has region {region:?}, which is not an AWS region name"
        )));
    }
    let config = config::config_json(&profile_name, &profile, options)?;
    if profile.endpoint.trim().is_empty()
        || profile.endpoint.trim_end_matches('/').ends_with(".invalid")
    {
        out.note(format!(
            "Warning: profile {profile_name:?} has no quota API yet ({:?}): developers' Claude Code will send its usage nowhere and no quota applies. Run ccwb deploy first, then package again.",
            profile.endpoint
        ))?;
    }
    let wanted = build::wanted_targets(options.targets.as_deref())?;
    let prebuilt = build::prebuilt(&options.binaries)?;

    let timestamp = options.timestamp.clone().unwrap_or_else(|| {
        time::OffsetDateTime::now_utc()
            .format(time::macros::format_description!(
                "[year][month][day]-[hour][minute][second]"
            ))
            .unwrap_or_default()
    });
    let base = options.dist.join(&profile_name);
    let dir = base.join(&timestamp);
    if dir.exists() {
        return Err(CliError::Input(format!(
            "{} exists already: packages are never overwritten",
            dir.display()
        )));
    }
    let staging = base.join(format!(".{timestamp}.partial"));
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging).map_err(|e| io_error(&staging, e))?;

    let host = host::Host::probe(options.source.as_deref());
    let mut platforms = Vec::new();
    let mut skipped = Vec::new();
    for (platform, triple) in wanted {
        let file = binary_name(platform);
        let result = match prebuilt.get(platform) {
            Some(path) => Ok(path.clone()),
            None => host.build(platform, triple, out)?,
        };
        match result {
            Ok(binary) => {
                build::copy_executable(&binary, &staging.join(&file))?;
                out.note(format!("  {platform}: {}", binary.display()))?;
                platforms.push(platform.to_owned());
            }
            Err(reason) => skipped.push(format!("{platform}: {reason}")),
        }
    }
    for note in &skipped {
        out.note(format!("  skipped {note}"))?;
    }
    if platforms.is_empty() {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(CliError::Input(format!(
            "no platform could be built:\n  {}",
            skipped.join("\n  ")
        )));
    }

    let region = profile.region.clone().unwrap_or_default();
    let fill = |template: &str| {
        template
            .replace("@PROFILE@", &options.profile_name)
            .replace("@REGION@", &region)
    };
    build::write(&staging.join("config.json"), config.as_bytes())?;
    build::write(&staging.join("install.sh"), fill(INSTALL_SH).as_bytes())?;
    build::set_mode(&staging.join("install.sh"), 0o755)?;
    build::write(&staging.join("install.ps1"), fill(INSTALL_PS1).as_bytes())?;
    build::write(&staging.join("README.md"), fill(README).as_bytes())?;
    build::write(
        &staging.join("SHA256SUMS"),
        sha256sums(&staging)?.as_bytes(),
    )?;

    let zip = base.join(format!("{timestamp}.zip"));
    let bytes = zip_dir(&staging)?;
    std::fs::rename(&staging, &dir).map_err(|e| io_error(&dir, e))?;
    build::write(&zip, &bytes)?;
    Ok(Built {
        dir,
        zip,
        platforms,
    })
}
