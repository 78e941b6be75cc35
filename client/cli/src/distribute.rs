//! `ccwb distribute`: zips a package built by `ccwb package`, uploads it through the API's
//! presigned URL (bound to its checksum), publishes it and prints the download link.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use ccwb_api::{CreateDistribution, DistributionRecord, PublishRequest};
use futures_util::StreamExt;

use crate::error::CliError;
use crate::output::{Output, print_fields, print_json};
use crate::package::{platforms_in, sha256_hex, zip_dir};
use crate::session::Context;

/// Which build `ccwb package` made to use.
#[derive(Debug, Clone, Default)]
pub struct BuildSelection {
    /// Where `ccwb package` wrote builds (default `dist`).
    pub dist: PathBuf,
    /// The newest build.
    pub latest: bool,
    /// `--build-profile`.
    pub build_profile: Option<String>,
    /// `--timestamp`.
    pub timestamp: Option<String>,
}

/// Which build to distribute, and how.
#[derive(Debug, Clone, Default)]
pub struct DistributeOptions {
    /// The build.
    pub build: BuildSelection,
    /// Hours the link lives (1-168).
    pub expires_hours: Option<u32>,
    /// Only show the latest published package.
    pub get_latest: bool,
    /// Print the link as a QR code too.
    pub show_qr: bool,
    /// Limit downloads to these networks (the deployment must enforce a restriction).
    pub allowed_ips: Option<Vec<String>>,
}

/// `ccwb distribute`.
pub async fn run(
    ctx: &Context,
    output: Output,
    options: &DistributeOptions,
) -> Result<(), CliError> {
    let client = ctx.client().await?;
    if options.get_latest {
        let record = client.latest_distribution().await?;
        return show(&record, output, options.show_qr);
    }
    let build = choose_build(&options.build)?;
    let platforms = platforms_in(&build)?;
    if platforms.is_empty() {
        return Err(CliError::Input(format!(
            "{} holds no credential-process binary: build it with `ccwb package`",
            build.display()
        )));
    }
    let bytes = zip_dir(&build)?;
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
    eprintln!(
        "Distributing {} ({} bytes, {}, SHA-256 {sha256})",
        build.display(),
        bytes.len(),
        platforms.join(", ")
    );
    let ticket = client
        .create_distribution(&CreateDistribution {
            filename,
            sha256: sha256.clone(),
            size: bytes.len() as u64,
            platforms,
            allowed_ips: options.allowed_ips.clone(),
        })
        .await?;
    upload(&ticket.upload_url, &ticket.upload_headers, bytes).await?;
    let record = client
        .publish_distribution(
            &ticket.id,
            &PublishRequest {
                expires_hours: options.expires_hours,
            },
        )
        .await?;
    show(&record, output, options.show_qr)
}

/// The build directory to distribute: named, newest, or chosen from a list on a terminal.
pub fn choose_build(options: &BuildSelection) -> Result<PathBuf, CliError> {
    match (&options.build_profile, &options.timestamp) {
        (Some(profile), Some(timestamp)) => {
            let dir = options.dist.join(profile).join(timestamp);
            return if dir.is_dir() {
                Ok(dir)
            } else {
                Err(CliError::Input(format!(
                    "no build at {}: see the builds with `ls {}`",
                    dir.display(),
                    options.dist.display()
                )))
            };
        }
        (None, None) => {}
        _ => {
            return Err(CliError::Usage(
                "--build-profile and --timestamp go together".into(),
            ));
        }
    }
    let mut builds: Vec<PathBuf> = std::fs::read_dir(&options.dist)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .flat_map(|profile| {
            std::fs::read_dir(profile.path())
                .into_iter()
                .flatten()
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    p.is_dir()
                        && !p
                            .file_name()
                            .is_some_and(|n| n.to_string_lossy().starts_with('.'))
                })
                .collect::<Vec<_>>()
        })
        .collect();
    // Newest first: timestamps sort as text; across profiles the folder's own time decides.
    builds.sort_by_key(|p| {
        std::cmp::Reverse((
            p.file_name().map(|n| n.to_os_string()),
            p.metadata().and_then(|m| m.modified()).ok(),
        ))
    });
    if builds.is_empty() {
        return Err(CliError::Input(format!(
            "no builds in {}: run `ccwb package` first",
            options.dist.display()
        )));
    }
    if options.latest || !std::io::stdin().is_terminal() || builds.len() == 1 {
        return Ok(builds.swap_remove(0));
    }
    let labels: Vec<String> = builds
        .iter()
        .map(|p| {
            p.strip_prefix(&options.dist)
                .unwrap_or(p)
                .display()
                .to_string()
        })
        .collect();
    let choice = dialoguer::Select::new()
        .with_prompt("Which build?")
        .items(&labels)
        .default(0)
        .interact()
        .map_err(|e| CliError::Input(format!("no build chosen: {e}")))?;
    Ok(builds.swap_remove(choice))
}

/// PUTs the package with a progress bar, sending exactly the signed headers.
async fn upload(
    url: &str,
    headers: &std::collections::BTreeMap<String, String>,
    bytes: Vec<u8>,
) -> Result<(), CliError> {
    let total = bytes.len() as u64;
    let bar = if std::io::stderr().is_terminal() {
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

fn show(record: &DistributionRecord, output: Output, qr: bool) -> Result<(), CliError> {
    if output == Output::Json {
        print_json(record)?;
    } else {
        print_fields(&[
            ("Package", record.id.clone()),
            ("Download", record.url.clone()),
            ("Expires", record.expires_at.clone()),
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
                format!("{} by {}", record.created_at, record.created_by),
            ),
        ]);
    }
    if qr {
        let code = qrcode::QrCode::new(record.url.as_bytes())
            .map_err(|e| CliError::Output(format!("QR code: {e}")))?;
        let text = code
            .render::<qrcode::render::unicode::Dense1x2>()
            .quiet_zone(true)
            .build();
        eprintln!("{text}");
    }
    Ok(())
}
