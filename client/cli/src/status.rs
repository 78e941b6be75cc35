//! `ccwb status`: what is deployed, as `GET /status` reports it.

use crate::error::CliError;
use crate::output::{Output, print_json, print_table};
use crate::session::Context;

/// Prints the deployment's stacks, functions and tables.
pub async fn run(ctx: &Context, output: Output) -> Result<(), CliError> {
    let status = ctx.client().await?.status().await?;
    if output == Output::Json {
        return print_json(&status);
    }
    println!(
        "Deployment {} (status function {})",
        status.deployment, status.version
    );
    println!();
    print_table(
        &["Stack", "Status", "Updated", "Reason"],
        status
            .stacks
            .iter()
            .map(|s| {
                vec![
                    s.name.clone(),
                    s.status.clone(),
                    s.updated_at.clone().unwrap_or_default(),
                    s.reason.clone().unwrap_or_default(),
                ]
            })
            .collect(),
    );
    let outputs: Vec<Vec<String>> = status
        .stacks
        .iter()
        .flat_map(|s| {
            s.outputs
                .iter()
                .map(|(k, v)| vec![s.name.clone(), k.clone(), v.clone()])
        })
        .collect();
    if !outputs.is_empty() {
        println!();
        print_table(&["Stack", "Output", "Value"], outputs);
    }
    if !status.functions.is_empty() {
        println!();
        print_table(
            &["Function", "Name", "Version"],
            status
                .functions
                .iter()
                .map(|f| {
                    vec![
                        f.id.clone(),
                        f.function_name.clone(),
                        f.version.clone().unwrap_or_default(),
                    ]
                })
                .collect(),
        );
    }
    println!();
    print_table(
        &["Table", "Status", "Items", "Size"],
        status
            .tables
            .iter()
            .map(|t| {
                vec![
                    t.name.clone(),
                    t.status.clone(),
                    t.item_count.map(|n| n.to_string()).unwrap_or_default(),
                    t.size_bytes
                        .map(|b| format!("{:.1} MB", b as f64 / 1e6))
                        .or_else(|| t.error.clone())
                        .unwrap_or_default(),
                ]
            })
            .collect(),
    );
    Ok(())
}
