//! `ccwb package`: the installer package developers receive: `credential-process` for each
//! platform that can be built here, `config.json` from the profile (no secrets), the install
//! scripts, a README, `SHA256SUMS`, and a reproducible zip of it all.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use ccwb_install::config::{CheckMinutes, FederationType, ProfileConfig};
use sha2::{Digest, Sha256};

use crate::error::CliError;
use crate::models;
use crate::session::Context;

/// Platforms a package can carry, with their Rust target and binary name.
pub const TARGETS: [(&str, &str); 5] = [
    ("linux-x64", "x86_64-unknown-linux-gnu"),
    ("linux-arm64", "aarch64-unknown-linux-gnu"),
    ("macos-arm64", "aarch64-apple-darwin"),
    ("macos-x64", "x86_64-apple-darwin"),
    ("windows-x64", "x86_64-pc-windows-gnu"),
];

const INSTALL_SH: &str = include_str!("../templates/install.sh");
const INSTALL_PS1: &str = include_str!("../templates/install.ps1");
const README: &str = include_str!("../templates/README.md");

/// The folder every file sits in inside the zip (unzipping makes one folder, not a mess).
const ZIP_FOLDER: &str = "claude-code-with-bedrock";

/// The options of `ccwb package`: platforms, and what goes into `config.json` besides the
/// profile's issuer, client id, region and endpoint.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct PackageOptions {
    /// Platforms (comma-separated): linux-x64, linux-arm64, macos-arm64, macos-x64,
    /// windows-x64, or all. Those that cannot be built here are skipped with a note.
    #[arg(long = "target", value_delimiter = ',', value_name = "PLATFORMS")]
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
    /// IAM role developers' tokens are exchanged for (STS AssumeRoleWithWebIdentity).
    #[arg(long, value_name = "ARN", conflicts_with = "identity_pool_id")]
    pub federated_role_arn: Option<String>,
    /// Or a Cognito identity pool.
    #[arg(long, value_name = "ID")]
    pub identity_pool_id: Option<String>,
    /// The identity provider's type (okta, azure, auth0, cognito, google, generic).
    #[arg(long, value_name = "TYPE")]
    pub provider_type: Option<String>,
    /// What credential-process does when the quota API is unreachable.
    #[arg(long, value_parser = ["open", "closed"])]
    pub quota_fail_mode: Option<String>,
    /// Minutes between quota checks while credentials are cached (0 = every time).
    #[arg(long, value_name = "MINUTES")]
    pub quota_check_interval: Option<u32>,
    /// The model Claude Code uses (ANTHROPIC_MODEL): a Bedrock inference profile id such as
    /// us.anthropic.claude-opus-5-5 or its ARN [default: Opus 5.5 in the region's geography].
    #[arg(long, value_name = "ID")]
    pub model: Option<String>,
    /// Claude Code's small/fast model for background work [default: Haiku 5.5 in the
    /// region's geography].
    #[arg(long, value_name = "ID")]
    pub small_fast_model: Option<String>,
    /// The ccwb source tree to build from (default: found from the current directory).
    #[arg(long, value_name = "DIR")]
    pub source: Option<PathBuf>,
    /// Name of the build folder (default: now, UTC; not a flag).
    #[arg(skip)]
    pub timestamp: Option<String>,
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

/// `ccwb package`.
pub fn package(ctx: &Context, options: &PackageOptions) -> Result<Built, CliError> {
    let (profile_name, profile) = ctx.profile()?.ok_or_else(|| {
        CliError::Config(
            "no profile selected: the package's config comes from a ccwb profile (`ccwb context create`)".into(),
        )
    })?;
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
    let config = config_json(&profile_name, &profile, options)?;
    if profile.endpoint.trim().is_empty()
        || profile.endpoint.trim_end_matches('/').ends_with(".invalid")
    {
        eprintln!(
            "Warning: profile {profile_name:?} has no quota API yet ({:?}): developers' Claude Code will send its usage nowhere and no quota applies. Run ccwb deploy first, then package again.",
            profile.endpoint
        );
    }
    let wanted = wanted_targets(options.targets.as_deref())?;
    let prebuilt = prebuilt(&options.binaries)?;

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

    let mut platforms = Vec::new();
    let mut skipped = Vec::new();
    for (platform, triple) in wanted {
        let file = binary_name(platform);
        let result = match prebuilt.get(platform) {
            Some(path) => Ok(path.clone()),
            None => build(options.source.as_deref(), platform, triple),
        };
        match result {
            Ok(binary) => {
                copy_executable(&binary, &staging.join(&file))?;
                eprintln!("  {platform}: {}", binary.display());
                platforms.push(platform.to_owned());
            }
            Err(reason) => skipped.push(format!("{platform}: {reason}")),
        }
    }
    for note in &skipped {
        eprintln!("  skipped {note}");
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
    write(&staging.join("config.json"), config.as_bytes())?;
    write(&staging.join("install.sh"), fill(INSTALL_SH).as_bytes())?;
    set_mode(&staging.join("install.sh"), 0o755)?;
    write(&staging.join("install.ps1"), fill(INSTALL_PS1).as_bytes())?;
    write(&staging.join("README.md"), fill(README).as_bytes())?;
    write(
        &staging.join("SHA256SUMS"),
        sha256sums(&staging)?.as_bytes(),
    )?;

    let zip = base.join(format!("{timestamp}.zip"));
    let bytes = zip_dir(&staging)?;
    std::fs::rename(&staging, &dir).map_err(|e| io_error(&dir, e))?;
    write(&zip, &bytes)?;
    Ok(Built {
        dir,
        zip,
        platforms,
    })
}

/// `config.json` in the installer's layout (profile name as the top-level key), from the
/// ccwb profile; never a client secret. The keys are [`ProfileConfig`]'s, the type
/// credential-process reads them with.
fn config_json(
    profile_name: &str,
    profile: &crate::profile::Profile,
    options: &PackageOptions,
) -> Result<String, CliError> {
    let missing = |what: &str| {
        CliError::Config(format!(
            "profile {profile_name:?} has no {what}, which developers' config.json needs (`ccwb context create … --{what}`)"
        ))
    };
    let issuer = profile.issuer.clone().ok_or_else(|| missing("issuer"))?;
    let client_id = profile
        .client_id
        .clone()
        .ok_or_else(|| missing("client-id"))?;
    let region = profile.region.clone().ok_or_else(|| missing("region"))?;
    let mut entry = ProfileConfig {
        issuer: Some(issuer),
        client_id: Some(client_id),
        aws_region: Some(region.clone()),
        quota_api_endpoint: Some(profile.endpoint.clone()),
        ..ProfileConfig::default()
    };
    match (&options.federated_role_arn, &options.identity_pool_id) {
        (Some(role), None) => {
            entry.federation_type = Some(FederationType::Direct);
            entry.federated_role_arn = Some(role.clone());
        }
        (None, Some(pool)) => {
            entry.federation_type = Some(FederationType::Cognito);
            entry.identity_pool_id = Some(pool.clone());
        }
        _ => {
            return Err(CliError::Usage(
                "give exactly one of --federated-role-arn (STS) and --identity-pool-id (Cognito): how developers' tokens become AWS credentials".into(),
            ));
        }
    }
    // Checked here as credential-process will read them, so a bad value fails the build of
    // the package, not every developer's sign-in.
    let flag = |name: &'static str| move |why: String| CliError::Usage(format!("--{name}: {why}"));
    entry.provider_type = options
        .provider_type
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(flag("provider-type"))?;
    entry.quota_fail_mode = options
        .quota_fail_mode
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(flag("quota-fail-mode"))?;
    entry.quota_check_interval = options
        .quota_check_interval
        .map(|minutes| CheckMinutes::new(minutes.into()))
        .transpose()
        .map_err(flag("quota-check-interval"))?;
    let geography = models::geography(&region).ok_or_else(|| {
        CliError::Config(format!(
            "profile {profile_name:?} has region {region:?}, which has no Bedrock cross-region inference profiles for Claude"
        ))
    })?;
    entry.claude_model = Some(models::pick(
        "--model",
        options.model.as_deref(),
        geography,
        models::DEFAULT_MODEL,
    )?);
    entry.claude_small_fast_model = Some(models::pick(
        "--small-fast-model",
        options.small_fast_model.as_deref(),
        geography,
        models::DEFAULT_SMALL_FAST_MODEL,
    )?);
    ccwb_install::config::render(&options.profile_name, &entry)
        .map_err(|e| CliError::Output(e.to_string()))
}

fn wanted_targets(
    requested: Option<&[String]>,
) -> Result<Vec<(&'static str, &'static str)>, CliError> {
    let Some(requested) = requested else {
        return Ok(TARGETS.to_vec());
    };
    if requested.iter().any(|t| t == "all") {
        return Ok(TARGETS.to_vec());
    }
    requested
        .iter()
        .map(|name| {
            TARGETS
                .iter()
                .find(|(platform, _)| platform == name)
                .copied()
                .ok_or_else(|| {
                    let names: Vec<&str> = TARGETS.iter().map(|(p, _)| *p).collect();
                    CliError::Usage(format!(
                        "--target {name:?}: expected all or some of {}",
                        names.join(", ")
                    ))
                })
        })
        .collect()
}

fn prebuilt(binaries: &[String]) -> Result<BTreeMap<&'static str, PathBuf>, CliError> {
    let mut out = BTreeMap::new();
    for entry in binaries {
        let (platform, path) = entry.split_once('=').ok_or_else(|| {
            CliError::Usage(format!("--binary {entry:?}: expected PLATFORM=PATH"))
        })?;
        let known = TARGETS
            .iter()
            .find(|(p, _)| *p == platform)
            .map(|(p, _)| *p)
            .ok_or_else(|| CliError::Usage(format!("--binary {entry:?}: unknown platform")))?;
        let path = PathBuf::from(path);
        if !path.is_file() {
            return Err(CliError::Input(format!(
                "--binary {entry:?}: {} is not a file",
                path.display()
            )));
        }
        out.insert(known, path);
    }
    Ok(out)
}

/// `credential-process-<platform>` (`.exe` on Windows).
pub fn binary_name(platform: &str) -> String {
    if platform.starts_with("windows") {
        format!("credential-process-{platform}.exe")
    } else {
        format!("credential-process-{platform}")
    }
}

/// Finds the ccwb source tree (the workspace holding `client/credential-process`).
fn source_dir(given: Option<&Path>) -> Result<PathBuf, String> {
    if let Some(dir) = given {
        return Ok(dir.to_path_buf());
    }
    let here = std::env::current_dir().map_err(|e| e.to_string())?;
    here.ancestors()
        .find(|dir| dir.join("client/credential-process/Cargo.toml").is_file())
        .map(Path::to_path_buf)
        .ok_or_else(|| {
            "no ccwb source here or in a parent directory (pass --source, or --binary PLATFORM=PATH)"
                .to_owned()
        })
}

fn installed_targets() -> Vec<String> {
    Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// Builds `credential-process` for one platform, or says why it cannot be built here.
fn build(source: Option<&Path>, platform: &str, triple: &str) -> Result<PathBuf, String> {
    let source = source_dir(source)?;
    let host_linux_x64 = cfg!(all(target_os = "linux", target_arch = "x86_64"));
    let host_macos = cfg!(target_os = "macos");
    let zigbuild = source.join(".venv/bin/cargo-zigbuild");
    let mut command = Command::new("cargo");
    command.current_dir(&source);
    match platform {
        "linux-x64" | "linux-arm64" => {
            if !installed_targets().iter().any(|t| t == triple) {
                return Err(format!(
                    "Rust target {triple} is not installed (rustup target add {triple})"
                ));
            }
            if zigbuild.is_file() {
                // zig links against glibc 2.17, so the binary runs on old distributions too.
                let path = std::env::var_os("PATH").unwrap_or_default();
                let mut paths = vec![source.join(".venv/bin")];
                paths.extend(std::env::split_paths(&path));
                command
                    .env(
                        "PATH",
                        std::env::join_paths(paths).map_err(|e| e.to_string())?,
                    )
                    .args(["zigbuild", "--target", &format!("{triple}.2.17")]);
            } else if platform == "linux-x64" && host_linux_x64 {
                command.args(["build", "--target", triple]);
            } else {
                return Err("cross builds need cargo-zigbuild in .venv (.venv/bin/pip install -r tools/requirements-deploy.txt)".into());
            }
        }
        "macos-arm64" | "macos-x64" => {
            if !host_macos {
                return Err(
                    "macOS binaries are built on a Mac (or pass --binary with one built there)"
                        .into(),
                );
            }
            command.args(["build", "--target", triple]);
        }
        "windows-x64" => {
            if !on_path("x86_64-w64-mingw32-gcc") {
                return Err("needs mingw-w64 (x86_64-w64-mingw32-gcc) and the Rust target x86_64-pc-windows-gnu".into());
            }
            if !installed_targets().iter().any(|t| t == triple) {
                return Err(format!(
                    "Rust target {triple} is not installed (rustup target add {triple})"
                ));
            }
            command.args(["build", "--target", triple]);
        }
        _ => return Err("unknown platform".into()),
    }
    command.args([
        "--release",
        "-p",
        "credential-process",
        "--bin",
        "credential-process",
    ]);
    eprintln!("Building credential-process for {platform} ({triple})…");
    let status = command
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!("cargo failed for {triple} (output above)"));
    }
    let exe = if platform.starts_with("windows") {
        "credential-process.exe"
    } else {
        "credential-process"
    };
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| source.join("target"));
    Ok(target_dir.join(triple).join("release").join(exe))
}

fn io_error(path: &Path, err: std::io::Error) -> CliError {
    CliError::Output(format!("{}: {err}", path.display()))
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    std::fs::File::create(path)
        .and_then(|mut f| f.write_all(bytes))
        .map_err(|e| io_error(path, e))
}

fn set_mode(path: &Path, mode: u32) -> Result<(), CliError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .map_err(|e| io_error(path, e))?;
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}

fn copy_executable(from: &Path, to: &Path) -> Result<(), CliError> {
    std::fs::copy(from, to).map_err(|e| io_error(from, e))?;
    set_mode(to, 0o755)
}

/// Hex SHA-256 of bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The files of a package directory, sorted by name.
fn files(dir: &Path) -> Result<Vec<String>, CliError> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| io_error(dir, e))?
        .filter_map(Result::ok)
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    Ok(names)
}

/// `SHA256SUMS` of every file in `dir` (as `sha256sum` prints it).
fn sha256sums(dir: &Path) -> Result<String, CliError> {
    let mut out = String::new();
    for name in files(dir)? {
        if name == "SHA256SUMS" {
            continue;
        }
        let bytes = std::fs::read(dir.join(&name)).map_err(|e| io_error(dir, e))?;
        out.push_str(&format!("{}  {name}\n", sha256_hex(&bytes)));
    }
    Ok(out)
}

/// The zip of a package directory, byte for byte the same for the same files: names sorted,
/// times fixed at 1980-01-01, modes 0755 for programs and scripts and 0644 for the rest.
pub fn zip_dir(dir: &Path) -> Result<Vec<u8>, CliError> {
    use zip::write::SimpleFileOptions;
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let zip_error = |e: zip::result::ZipError| CliError::Output(format!("zip: {e}"));
    for name in files(dir)? {
        let executable = name.starts_with("credential-process") || name == "install.sh";
        let options = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::DEFAULT)
            .unix_permissions(if executable { 0o755 } else { 0o644 });
        writer
            .start_file(format!("{ZIP_FOLDER}/{name}"), options)
            .map_err(zip_error)?;
        let bytes = std::fs::read(dir.join(&name)).map_err(|e| io_error(dir, e))?;
        writer.write_all(&bytes).map_err(|e| io_error(dir, e))?;
    }
    Ok(writer.finish().map_err(zip_error)?.into_inner())
}

/// The platforms a package directory carries, from its binaries' names.
pub fn platforms_in(dir: &Path) -> Result<Vec<String>, CliError> {
    Ok(TARGETS
        .iter()
        .filter(|(platform, _)| dir.join(binary_name(platform)).is_file())
        .map(|(platform, _)| (*platform).to_owned())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_names_follow_the_original_layout() {
        assert_eq!(binary_name("linux-x64"), "credential-process-linux-x64");
        assert_eq!(
            binary_name("windows-x64"),
            "credential-process-windows-x64.exe"
        );
    }

    #[test]
    fn targets_are_checked() {
        assert!(wanted_targets(Some(&["beos".to_owned()])).is_err());
        assert_eq!(wanted_targets(Some(&["all".to_owned()])).unwrap().len(), 5);
        assert_eq!(
            wanted_targets(Some(&["linux-arm64".to_owned()])).unwrap(),
            vec![("linux-arm64", "aarch64-unknown-linux-gnu")]
        );
    }
}
