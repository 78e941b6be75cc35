//! `ccwb distribute`: zips a package built by `ccwb package`, uploads it through the API's
//! presigned URL (bound to its checksum), publishes it and prints the download link.
//! [`publish`] is also what `ccwb package --distribute` runs on the build it made.

use std::path::{Path, PathBuf};

use ccwb_api::{CreateDistribution, DistributionRecord, PublishRequest};
use ccwb_api_client::ApiClient;
use futures_util::StreamExt;

use crate::bundle::{BuildSelection, platforms_in, sha256_hex, zip_dir};
use crate::error::CliError;
use crate::output::Out;
use crate::session::Session;

/// Hours a download link lives unless told otherwise.
pub const DEFAULT_EXPIRES_HOURS: u32 = 48;

/// Arguments of `ccwb distribute`: which build, and how its link is published.
#[derive(Debug, Clone, clap::Args)]
pub struct DistributeArgs {
    /// The newest build (without it: a list to choose from on a terminal, else the newest).
    #[arg(long, conflicts_with_all = ["build_profile", "get_latest"])]
    pub latest: bool,
    /// The build's profile folder under dist/ (with --timestamp).
    #[arg(long, requires = "timestamp", value_name = "NAME")]
    pub build_profile: Option<String>,
    /// The build's timestamp folder (with --build-profile).
    #[arg(long, requires = "build_profile", value_name = "TIMESTAMP")]
    pub timestamp: Option<String>,
    /// Hours the download link lives (1-168).
    #[arg(long, default_value_t = DEFAULT_EXPIRES_HOURS, value_parser = clap::value_parser!(u32).range(1..=168))]
    pub expires_hours: u32,
    /// Only show the latest published package and its link.
    #[arg(long)]
    pub get_latest: bool,
    /// Also print the link as a QR code.
    #[arg(long)]
    pub show_qr: bool,
    /// Only these networks may download (CIDR, comma-separated); the deployment must
    /// enforce a restriction (`-c distributionAllowedIps=…` at deploy).
    #[arg(long, value_delimiter = ',', value_name = "CIDRS")]
    pub allowed_ips: Option<Vec<String>>,
    /// Where `ccwb package` wrote builds.
    #[arg(long, default_value = "dist", value_name = "DIR")]
    pub dist: PathBuf,
    /// A build folder to distribute as it is (e.g. dist/corp/20260101-120000), instead of
    /// choosing one; a folder of builds (the original ccwb's `--package-path dist`) is looked
    /// in as --dist is.
    #[arg(long, value_name = "DIR", conflicts_with = "get_latest")]
    pub package_path: Option<PathBuf>,
}

/// How a build is published.
#[derive(Debug, Clone)]
pub struct Publication {
    /// Hours the download link lives.
    pub expires_hours: u32,
    /// Networks that may download (CIDR); `None`: any.
    pub allowed_ips: Option<Vec<String>>,
}

impl DistributeArgs {
    fn selection(&self) -> Result<BuildSelection, CliError> {
        let (profile, timestamp) = (self.build_profile.as_deref(), self.timestamp.as_deref());
        BuildSelection::new(&self.dist, self.latest, profile, timestamp)
            .with_package_path(self.package_path.as_deref())
    }

    /// Uploads and publishes the build (or with `--get-latest` only shows the latest).
    pub async fn run(self, session: &Session, out: &mut Out<'_>) -> Result<(), CliError> {
        let client = session.client(out).await?;
        if self.get_latest {
            let record = client.latest_distribution().await?;
            return show(&record, self.show_qr, out);
        }
        let build = self.selection()?.choose(out.interactive)?;
        let how = Publication {
            expires_hours: self.expires_hours,
            allowed_ips: self.allowed_ips.clone(),
        };
        let record = publish(&client, &build, &how, out).await?;
        show(&record, self.show_qr, out)
    }
}

/// Zips the build folder `build`, uploads it and publishes it as `how` says; the published
/// record (its download link).
pub async fn publish(
    client: &ApiClient,
    build: &Path,
    how: &Publication,
    out: &mut Out<'_>,
) -> Result<DistributionRecord, CliError> {
    let platforms = platforms_in(build);
    if platforms.is_empty() {
        return Err(CliError::Input(format!(
            "{} holds no credential-process binary: build it with `ccwb package`",
            build.display()
        )));
    }
    let bytes = zip_dir(build)?;
    let sha256 = sha256_hex(&bytes);
    let timestamp = build
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let profile = build
        .parent()
        .and_then(Path::file_name)
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let filename = format!("claude-code-{profile}-{timestamp}.zip")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect::<String>();
    out.note(format!(
        "Distributing {} ({} bytes, {}, SHA-256 {sha256})",
        build.display(),
        bytes.len(),
        platforms.join(", ")
    ))?;
    let ticket = client
        .create_distribution(&CreateDistribution {
            filename,
            sha256: sha256.clone(),
            size: bytes.len() as u64,
            platforms,
            allowed_ips: how.allowed_ips.clone(),
        })
        .await?;
    upload(&ticket.upload_url, &ticket.upload_headers, bytes, out).await?;
    Ok(client
        .publish_distribution(
            &ticket.id,
            &PublishRequest {
                expires_hours: Some(how.expires_hours),
            },
        )
        .await?)
}

/// PUTs the package with a progress bar, sending exactly the signed headers.
async fn upload(
    url: &str,
    headers: &std::collections::BTreeMap<String, String>,
    bytes: Vec<u8>,
    out: &Out<'_>,
) -> Result<(), CliError> {
    let total = bytes.len() as u64;
    let bar = if out.stderr_is_terminal {
        indicatif::ProgressBar::new(total)
    } else {
        indicatif::ProgressBar::hidden()
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "Uploading {bar:30} {bytes}/{total_bytes} ({bytes_per_sec})",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let progress = bar.clone();
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        bytes.chunks(256 * 1024).map(|c| Ok(c.to_vec())).collect();
    let stream = futures_util::stream::iter(chunks).map(move |chunk| {
        if let Ok(c) = &chunk {
            progress.inc(c.len() as u64);
        }
        chunk
    });
    let mut request = reqwest::Client::new()
        .put(url)
        .body(reqwest::Body::wrap_stream(stream));
    for (name, value) in headers {
        // reqwest sets the length from the body it streams; a second one would conflict.
        if !name.eq_ignore_ascii_case("content-length") {
            request = request.header(name, value);
        }
    }
    let response = request
        .header("content-length", total)
        .send()
        .await
        .map_err(|e| CliError::Output(format!("upload failed: {e}")))?;
    bar.finish_and_clear();
    let status = response.status();
    if !status.is_success() {
        let body = response.text().await.unwrap_or_default();
        return Err(CliError::Output(format!(
            "upload refused ({status}): {}",
            body.chars().take(300).collect::<String>()
        )));
    }
    Ok(())
}

/// The published package for people (or JSON), with its link as a QR code if asked.
pub fn show(record: &DistributionRecord, qr: bool, out: &mut Out<'_>) -> Result<(), CliError> {
    if out.is_json() {
        out.json(record)?;
    } else {
        out.fields(&[
            ("Package", record.id.clone()),
            ("Download", record.url.clone()),
            ("Expires", crate::output::time(record.expires_at)),
            ("SHA-256", record.sha256.clone()),
            ("Size", format!("{} bytes", record.size)),
            ("Platforms", record.platforms.join(", ")),
            (
                "Allowed IPs",
                record
                    .allowed_ips
                    .as_ref()
                    .map(|ips| ips.join(", "))
                    .unwrap_or_else(|| "any".into()),
            ),
            (
                "Published",
                format!(
                    "{} by {}",
                    crate::output::time(record.created_at),
                    record.created_by
                ),
            ),
        ])?;
    }
    if qr {
        let code = qrcode::QrCode::new(record.url.as_bytes())
            .map_err(|e| CliError::Output(format!("QR code: {e}")))?;
        let text = code
            .render::<qrcode::render::unicode::Dense1x2>()
            .quiet_zone(true)
            .build();
        out.note(text)?;
    }
    Ok(())
}
