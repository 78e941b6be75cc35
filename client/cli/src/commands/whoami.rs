//! `ccwb whoami`: the caller as the API sees them (`GET /me`).

use ccwb_api::MeResponse;

use crate::error::CliError;
use crate::output::Out;
use crate::session::Session;

/// Shows the caller's identity, groups and whether they are an administrator.
pub async fn run(session: &Session, out: &mut Out<'_>) -> Result<(), CliError> {
    let me = session.client(out).await?.me().await?;
    render(&me, out)
}

/// `/me` for people, or as JSON.
fn render(me: &MeResponse, out: &mut Out<'_>) -> Result<(), CliError> {
    if out.is_json() {
        return out.json(me);
    }
    let groups = if me.groups.is_empty() {
        "(none)".to_owned()
    } else {
        me.groups.join(", ")
    };
    out.fields(&[
        (
            "Identity",
            me.identity
                .clone()
                .unwrap_or_else(|| "(none in token)".into()),
        ),
        ("Groups", groups),
        ("Admin", if me.admin { "yes" } else { "no" }.to_owned()),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::{Captured, Format};

    #[test]
    fn a_token_without_groups_or_identity_says_so() {
        let me: MeResponse = serde_json::from_value(
            serde_json::json!({"identity": null, "groups": [], "admin": false}),
        )
        .unwrap();
        let mut captured = Captured::default();
        render(&me, &mut captured.out(Format::Table)).unwrap();
        let text = captured.stdout();
        for needle in ["(none in token)", "(none)", "Admin"] {
            assert!(text.contains(needle), "{needle} in {text}");
        }
    }
}
