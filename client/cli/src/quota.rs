//! `ccwb quota …`: policies through the admin API.

use std::io::{BufRead, IsTerminal, Write};

use ccwb_api::{CheckResponse, ImportMode, ImportRequest, ImportResult, RowStatus};
use ccwb_api_client::{ApiClient, ApiError};
use ccwb_core::{Policy, PolicyFields, PolicyPatch, PolicyType, change::auto_daily};
use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::{LimitArgs, QuotaCommand};
use crate::error::CliError;
use crate::output::{
    Output, dollars, dollars_f64, percent, print_fields, print_json, print_table, tokens,
};
use crate::policy_file::{self, SourceRow};
use crate::session::Context;

/// Rows per import request: well under the API's 1 MB body limit.
const IMPORT_CHUNK: usize = 1000;
/// Page size when listing.
const LIST_PAGE: usize = 1000;

/// Runs a `quota` command.
pub async fn run(ctx: &Context, output: Output, command: QuotaCommand) -> Result<(), CliError> {
    let client = ctx.client().await?;
    match command {
        QuotaCommand::SetUser { email, limits } => {
            set(&client, output, PolicyType::User, &email, &limits).await
        }
        QuotaCommand::SetGroup { group, limits } => {
            set(&client, output, PolicyType::Group, &group, &limits).await
        }
        QuotaCommand::SetDefault { limits } => {
            set(&client, output, PolicyType::Default, "default", &limits).await
        }
        QuotaCommand::List { r#type } => list(&client, output, r#type.map(Into::into)).await,
        QuotaCommand::Show { email, groups } => show(&client, output, &email, &groups).await,
        QuotaCommand::Usage { email, groups } => usage(&client, output, &email, &groups).await,
        QuotaCommand::Delete {
            r#type,
            identifier,
            force,
        } => delete(&client, r#type.into(), &identifier, force).await,
        QuotaCommand::Status => status(&client, output).await,
        QuotaCommand::Unblock {
            email,
            duration,
            reason,
            revoke,
        } => {
            crate::audit::unblock(
                &client,
                output,
                &email,
                &duration,
                reason.as_deref(),
                revoke,
            )
            .await
        }
        QuotaCommand::Unblocks { email } => crate::audit::unblocks(&client, output, &email).await,
        QuotaCommand::Export {
            file,
            stdout: _,
            format,
            r#type,
        } => export(&client, file.as_deref(), format, r#type.map(Into::into)).await,
        QuotaCommand::Import {
            file,
            skip_existing,
            update,
            dry_run,
            r#type,
            auto_daily,
            burst,
        } => {
            let mode = if update {
                ImportMode::Update
            } else if skip_existing {
                ImportMode::Skip
            } else {
                ImportMode::Create
            };
            let options = ImportOptions {
                mode,
                dry_run,
                only: r#type.map(Into::into),
                auto_daily: auto_daily.then_some(burst),
            };
            import(&client, output, &file, options).await
        }
    }
}

/// Creates the policy with the given settings, or changes only those on an existing one.
async fn set(
    client: &ApiClient,
    output: Output,
    policy_type: PolicyType,
    identifier: &str,
    limits: &LimitArgs,
) -> Result<(), CliError> {
    let patch = patch_from(limits);
    // Two rounds: a concurrent create or change between our read and write is retried once.
    for _ in 0..2 {
        let result = match client.get_policy(policy_type, identifier).await? {
            None => {
                let fields = fields_from(limits);
                client
                    .create_policy(policy_type, identifier, &fields)
                    .await
                    .map(|p| ("Created", p))
            }
            Some(existing) => {
                if patch.is_empty() {
                    return Err(CliError::Usage(
                        "nothing to change: give at least one limit, mode, --enabled/--disabled or --clear-* flag".into(),
                    ));
                }
                client
                    .patch_policy(policy_type, &existing.identifier, &patch, existing.version)
                    .await
                    .map(|p| ("Updated", p))
            }
        };
        match result {
            Ok((verb, policy)) => return print_policy(output, verb, &policy),
            Err(ApiError::Api {
                status: 409 | 412, ..
            }) => continue,
            Err(err) => return Err(err.into()),
        }
    }
    Err(CliError::Partial(format!(
        "{policy_type} policy {identifier:?} kept changing while ccwb tried to set it; run the command again"
    )))
}

fn fields_from(limits: &LimitArgs) -> PolicyFields {
    PolicyFields {
        monthly_token_limit: limits.monthly_limit,
        daily_token_limit: limits.daily_limit,
        monthly_cost_limit: limits.budget,
        daily_cost_limit: limits.daily_budget,
        enforcement_mode: limits.enforcement.map(Into::into),
        daily_enforcement_mode: limits.daily_enforcement.map(Into::into),
        enabled: (limits.enabled || limits.disabled).then_some(!limits.disabled),
    }
}

fn patch_from(limits: &LimitArgs) -> PolicyPatch {
    PolicyPatch {
        monthly_token_limit: limits.monthly_limit.map(Some),
        daily_token_limit: if limits.clear_daily {
            Some(None)
        } else {
            limits.daily_limit.map(Some)
        },
        monthly_cost_limit: if limits.clear_cost {
            Some(None)
        } else {
            limits.budget.map(Some)
        },
        daily_cost_limit: if limits.clear_cost {
            Some(None)
        } else {
            limits.daily_budget.map(Some)
        },
        enforcement_mode: limits.enforcement.map(Into::into),
        daily_enforcement_mode: limits.daily_enforcement.map(Into::into),
        enabled: (limits.enabled || limits.disabled).then_some(!limits.disabled),
    }
}

fn print_policy(output: Output, verb: &str, policy: &Policy) -> Result<(), CliError> {
    match output {
        Output::Json => print_json(policy),
        Output::Table => {
            eprintln!(
                "{verb} {} policy {}.",
                policy.policy_type, policy.identifier
            );
            print_fields(&policy_fields(policy));
            Ok(())
        }
    }
}

fn policy_fields(p: &Policy) -> Vec<(&'static str, String)> {
    vec![
        ("Type", p.policy_type.to_string()),
        ("Identifier", p.identifier.clone()),
        ("Monthly tokens", tokens(p.monthly_token_limit)),
        ("Daily tokens", tokens(p.daily_token_limit)),
        ("Monthly budget", dollars(p.monthly_cost_limit)),
        ("Daily budget", dollars(p.daily_cost_limit)),
        (
            "Monthly enforcement",
            p.enforcement_mode.as_str().to_owned(),
        ),
        (
            "Daily enforcement",
            p.daily_enforcement_mode.as_str().to_owned(),
        ),
        ("Enabled", if p.enabled { "yes" } else { "no" }.to_owned()),
        ("Version", p.version.to_string()),
        ("Updated by", p.updated_by.clone().unwrap_or_default()),
    ]
}

/// A policy as a table row: TYPE, IDENTIFIER, MONTHLY, DAILY, MONTHLY $, DAILY $, MODE, ENABLED.
fn policy_row(p: &Policy) -> Vec<String> {
    vec![
        p.policy_type.to_string(),
        p.identifier.clone(),
        tokens(p.monthly_token_limit),
        tokens(p.daily_token_limit),
        dollars(p.monthly_cost_limit),
        dollars(p.daily_cost_limit),
        format!(
            "{}/{}",
            p.enforcement_mode.as_str(),
            p.daily_enforcement_mode.as_str()
        ),
        if p.enabled { "yes" } else { "no" }.to_owned(),
    ]
}

async fn all_policies(
    client: &ApiClient,
    policy_type: Option<PolicyType>,
) -> Result<Vec<Policy>, CliError> {
    let mut policies = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let page = client
            .list_policies(policy_type, LIST_PAGE, next.as_deref())
            .await?;
        policies.extend(page.policies);
        match page.next {
            Some(cursor) => next = Some(cursor),
            None => return Ok(policies),
        }
    }
}

async fn list(
    client: &ApiClient,
    output: Output,
    policy_type: Option<PolicyType>,
) -> Result<(), CliError> {
    let policies = all_policies(client, policy_type).await?;
    if output == Output::Json {
        return print_json(&serde_json::json!({ "policies": policies }));
    }
    if policies.is_empty() {
        eprintln!("No policies.");
        return Ok(());
    }
    let rows = policies.iter().map(policy_row).collect();
    print_table(
        &[
            "TYPE",
            "IDENTIFIER",
            "MONTHLY",
            "DAILY",
            "MONTHLY $",
            "DAILY $",
            "MODE (M/D)",
            "ENABLED",
        ],
        rows,
    );
    Ok(())
}

async fn show(
    client: &ApiClient,
    output: Output,
    email: &str,
    groups: &[String],
) -> Result<(), CliError> {
    let resolved = client.resolve(email, groups).await?;
    if output == Output::Json {
        return print_json(&resolved);
    }
    print_fields(&[
        ("User", resolved.identity.clone()),
        (
            "Groups",
            groups_line(&resolved.groups, resolved.groups_source),
        ),
        (
            "Effective policy",
            resolved.effective.as_ref().map_or_else(
                || "(none: unlimited)".into(),
                |p| format!("{} {}", p.policy_type, p.identifier),
            ),
        ),
    ]);
    println!("{}", resolved.explanation);
    if !resolved.applicable.is_empty() {
        println!();
        let rows = resolved
            .applicable
            .iter()
            .map(|p| {
                let mut row = policy_row(p);
                row.pop(); // every applicable policy is enabled
                row
            })
            .collect();
        print_table(
            &[
                "TYPE",
                "IDENTIFIER",
                "MONTHLY",
                "DAILY",
                "MONTHLY $",
                "DAILY $",
                "MODE (M/D)",
            ],
            rows,
        );
    }
    println!();
    print_check(&resolved.check);
    Ok(())
}

async fn usage(
    client: &ApiClient,
    output: Output,
    email: &str,
    groups: &[String],
) -> Result<(), CliError> {
    let report = client.usage(email, groups).await?;
    if output == Output::Json {
        return print_json(&report);
    }
    println!("Usage of {} (UTC periods)", report.identity);
    println!(
        "Groups: {}",
        groups_line(&report.groups, report.groups_source)
    );
    let period_row = |label: &str, period: &ccwb_api::PeriodUsage| {
        let u = &period.usage;
        vec![
            format!("{label} {}", period.period),
            ccwb_core::TokenAmount(u.tokens.input_tokens).to_string(),
            ccwb_core::TokenAmount(u.tokens.output_tokens).to_string(),
            ccwb_core::TokenAmount(u.tokens.cache_read_tokens).to_string(),
            ccwb_core::TokenAmount(u.tokens.cache_write_tokens).to_string(),
            ccwb_core::TokenAmount(u.total_tokens).to_string(),
            u.cost.to_string(),
            u.claude_code_cost.to_string(),
        ]
    };
    print_table(
        &[
            "PERIOD",
            "INPUT",
            "OUTPUT",
            "CACHE READ",
            "CACHE WRITE",
            "TOTAL",
            "COST",
            "CLAUDE CODE",
        ],
        vec![
            period_row("month", &report.month),
            period_row("day", &report.day),
        ],
    );
    if !report.month.usage.models.is_empty() {
        println!();
        let rows = report
            .month
            .usage
            .models
            .iter()
            .map(|(model, m)| {
                let total = m.tokens.input_tokens
                    + m.tokens.output_tokens
                    + m.tokens.cache_read_tokens
                    + m.tokens.cache_write_tokens;
                vec![
                    model.clone(),
                    ccwb_core::TokenAmount(total).to_string(),
                    m.cost.to_string(),
                    m.claude_code_cost.to_string(),
                ]
            })
            .collect();
        print_table(&["MODEL (MONTH)", "TOKENS", "COST", "CLAUDE CODE"], rows);
    }
    println!();
    println!("{}", reported_line(&report.month.usage, &report.day.usage));
    println!();
    print_check(&report.check);
    Ok(())
}

/// What Claude Code reported beside what ccwb counted, and which of the two limits use.
fn reported_line(month: &ccwb_core::UsageDetail, day: &ccwb_core::UsageDetail) -> String {
    format!(
        "Claude Code reports {} this month and {} today (its own estimate, column CLAUDE CODE); limits count COST: tokens at this deployment's prices.",
        month.claude_code_cost, day.claude_code_cost
    )
}

/// The groups resolved with, and where they came from.
fn groups_line(groups: &[String], source: ccwb_api::GroupsSource) -> String {
    use ccwb_api::GroupsSource;
    match (groups.is_empty(), source) {
        (true, _) => {
            "(none: not given, and none known from the user's telemetry this month)".into()
        }
        (false, GroupsSource::Telemetry) => format!(
            "{} (from the user's latest telemetry; --groups to try others)",
            groups.join(", ")
        ),
        (false, _) => groups.join(", "),
    }
}

/// The decision and usage against limits, for people.
fn print_check(check: &CheckResponse) {
    let u = &check.usage;
    let against = |used: String, limit: Option<String>, pct: Option<f64>| match limit {
        Some(limit) => format!("{used} of {limit} ({})", percent(pct)),
        None => format!("{used} (no limit)"),
    };
    let policy = check.policy.as_ref().map_or_else(
        || "(none)".to_owned(),
        |p| format!("{} {}", p.policy_type, p.identifier),
    );
    print_fields(&[
        (
            "Access",
            if check.allowed { "allowed" } else { "BLOCKED" }.to_owned(),
        ),
        (
            "Reason",
            serde_json::to_value(check.reason)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
        ),
        ("Policy", policy),
        (
            "Monthly tokens",
            against(
                ccwb_core::TokenAmount(u.monthly_tokens).to_string(),
                u.monthly_limit
                    .map(|l| ccwb_core::TokenAmount(l).to_string()),
                u.monthly_percent,
            ),
        ),
        (
            "Daily tokens",
            against(
                ccwb_core::TokenAmount(u.daily_tokens).to_string(),
                u.daily_limit.map(|l| ccwb_core::TokenAmount(l).to_string()),
                u.daily_percent,
            ),
        ),
        (
            "Monthly cost",
            against(
                dollars_f64(u.monthly_cost),
                u.monthly_cost_limit.map(dollars_f64),
                u.monthly_cost_percent,
            ),
        ),
        (
            "Daily cost",
            against(
                dollars_f64(u.daily_cost),
                u.daily_cost_limit.map(dollars_f64),
                u.daily_cost_percent,
            ),
        ),
    ]);
    if check.unblock_status.is_unblocked {
        println!(
            "Unblocked until {} by {}",
            check.unblock_status.expires_at.clone().unwrap_or_default(),
            check
                .unblock_status
                .unblocked_by
                .clone()
                .unwrap_or_default()
        );
    }
    for warning in &check.warnings {
        println!("Warning: {}", warning.message);
    }
    println!("{}", check.message);
}

async fn delete(
    client: &ApiClient,
    policy_type: PolicyType,
    identifier: &str,
    force: bool,
) -> Result<(), CliError> {
    if !force && std::io::stdin().is_terminal() {
        eprint!("Delete {policy_type} policy {identifier}? [y/N] ");
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut answer)
            .map_err(|e| CliError::Input(e.to_string()))?;
        if !matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
            return Err(CliError::Cancelled);
        }
    }
    client.delete_policy(policy_type, identifier).await?;
    eprintln!("Deleted {policy_type} policy {identifier}.");
    Ok(())
}

async fn status(client: &ApiClient, output: Output) -> Result<(), CliError> {
    let check = client.check().await?;
    match output {
        Output::Json => print_json(&check),
        Output::Table => {
            print_check(&check);
            Ok(())
        }
    }
}

async fn export(
    client: &ApiClient,
    file: Option<&std::path::Path>,
    stdout_format: crate::cli::FileFormat,
    policy_type: Option<PolicyType>,
) -> Result<(), CliError> {
    let format = match file {
        Some(path) => policy_file::format_of(path)?,
        None => stdout_format,
    };
    let exported = client.export_policies(policy_type).await?;
    let text = policy_file::render(&exported.policies, format)?;
    match file {
        None => {
            print!("{text}");
            Ok(())
        }
        Some(path) => {
            std::fs::write(path, text)
                .map_err(|e| CliError::Output(format!("{}: {e}", path.display())))?;
            eprintln!(
                "Exported {} policies to {}.",
                exported.policies.len(),
                path.display()
            );
            Ok(())
        }
    }
}

struct ImportOptions {
    mode: ImportMode,
    dry_run: bool,
    only: Option<PolicyType>,
    auto_daily: Option<u8>,
}

async fn import(
    client: &ApiClient,
    output: Output,
    path: &std::path::Path,
    options: ImportOptions,
) -> Result<(), CliError> {
    let format = policy_file::format_of(path)?;
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::Input(format!("cannot read {}: {e}", path.display())))?;
    let (mut rows, file_errors) = policy_file::parse(&text, format)?;
    if let Some(only) = options.only {
        rows.retain(|r| r.row.policy_type == only);
    }
    if let Some(burst) = options.auto_daily {
        for SourceRow { row, .. } in &mut rows {
            if row.daily_token_limit.is_none() {
                row.daily_token_limit = row
                    .monthly_token_limit
                    .filter(|m| m.0 > 0)
                    .map(|m| auto_daily(m, burst));
            }
        }
    }

    let progress = if std::io::stderr().is_terminal() && output == Output::Table {
        let bar = ProgressBar::new(rows.len() as u64);
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} rows {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    } else {
        ProgressBar::hidden()
    };

    let mut results: Vec<(String, ImportResult)> = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(IMPORT_CHUNK) {
        let request = ImportRequest {
            policies: chunk.iter().map(|r| r.row.clone()).collect(),
            mode: options.mode,
            dry_run: options.dry_run,
        };
        let response = client.import_policies(&request).await?;
        for result in response.results {
            let location = chunk
                .get(result.index)
                .map(|r| r.location.clone())
                .unwrap_or_default();
            results.push((location, result));
        }
        progress.inc(chunk.len() as u64);
    }
    progress.finish_and_clear();

    let count = |status: RowStatus| results.iter().filter(|(_, r)| r.status == status).count();
    let (created, updated, skipped) = (
        count(RowStatus::Created),
        count(RowStatus::Updated),
        count(RowStatus::Skipped),
    );
    let errors = file_errors.len() + count(RowStatus::Error);
    match output {
        Output::Json => {
            let rows: Vec<serde_json::Value> = file_errors
                .iter()
                .map(|(location, message)| serde_json::json!({"location": location, "status": "error", "message": message}))
                .chain(results.iter().map(|(location, r)| {
                    serde_json::json!({"location": location, "type": r.policy_type, "identifier": r.identifier,
                                       "status": r.status, "message": r.message})
                }))
                .collect();
            print_json(&serde_json::json!({
                "dry_run": options.dry_run,
                "results": rows,
                "totals": {"created": created, "updated": updated, "skipped": skipped, "errors": errors},
            }))?;
        }
        Output::Table => {
            for (location, message) in &file_errors {
                println!("✗ {location}: {message}");
            }
            for (location, r) in &results {
                match r.status {
                    RowStatus::Error => println!(
                        "✗ {location}: {} {}: {}",
                        r.policy_type,
                        r.identifier,
                        r.message.clone().unwrap_or_default()
                    ),
                    RowStatus::Skipped => println!(
                        "- {location}: skipped {} {} (already exists)",
                        r.policy_type, r.identifier
                    ),
                    _ => {}
                }
            }
            let verb = if options.dry_run {
                "Would import"
            } else {
                "Imported"
            };
            println!(
                "{verb}: {created} created, {updated} updated, {skipped} skipped, {errors} errors."
            );
        }
    }
    if errors > 0 {
        return Err(CliError::Partial(format!(
            "{errors} row(s) were not imported (see above)"
        )));
    }
    Ok(())
}
