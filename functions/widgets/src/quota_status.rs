//! The `quota-status` widget: who is blocked or at 80% of a limit, under which policy. Unlike
//! the other widgets it shows the present (this UTC month and day) whatever the dashboard's time
//! range, decided exactly as `/check` decides: the month's rollup gives each user's usage and
//! groups, today's rollup the day's usage, then the policies those users resolve to, and the
//! unblocks of only the users that need attention.

use std::collections::{BTreeMap, HashMap, HashSet};

use ccwb_core::standing::{highest, needs_attention};
use ccwb_core::{
    CurrentUsage, Day, Decision, Month, PolicyBook, PolicyType, Reason, Unblock, UsageTotals, Usd,
    decide,
};
use ccwb_store::{
    Counters, DynamoStore, MonthUser, PolicyStore, RollupReads, StoreError, UnblockStore,
};
use time::OffsetDateTime;

use crate::html::{notice, page, table_aligned, theme};
use crate::request::WidgetRequest;

/// The widget's name in `params.widget`.
pub const NAME: &str = "quota-status";

/// A user who needs attention, with the decision `/check` would make now.
#[derive(Debug, Clone, PartialEq)]
pub struct Standing {
    /// The user.
    pub identity: String,
    /// The decision.
    pub decision: Decision,
}

/// What the widget shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Board {
    /// The UTC month.
    pub month: Month,
    /// Users with token usage this month.
    pub users: usize,
    /// Those needing attention: refused first, then by the highest share of a limit used.
    pub standings: Vec<Standing>,
}

/// Reads the board at `now`: the month rollup, then the policies its users can resolve to
/// (batched by key: their user policies, their groups', the default), with today's rollup
/// meanwhile; then the unblocks of the users needing attention (batched). Reads grow with the
/// month's users, not with how many policies exist.
pub async fn read(store: &DynamoStore, now: OffsetDateTime) -> Result<Board, StoreError> {
    let today = Day::of(now);
    let today_only = [today];
    let users_and_policies = async {
        let users = store.month_users(today.month()).await?;
        let policies = store.get_policies(&policy_keys(&users)).await?;
        Ok::<_, StoreError>((users, policies))
    };
    let ((users, policies), days) =
        tokio::try_join!(users_and_policies, store.day_rollups(&today_only))?;
    let book = PolicyBook::new(policies);
    let day = days.into_iter().next().map(|d| d.users).unwrap_or_default();
    let first = standings(&users, &day, &book, &HashMap::new(), now);
    let attention: HashSet<&str> = first.iter().map(|s| s.identity.as_str()).collect();
    let candidates: Vec<MonthUser> = users
        .iter()
        .filter(|u| attention.contains(u.identity.as_str()))
        .cloned()
        .collect();
    let unblocks = if candidates.is_empty() {
        HashMap::new()
    } else {
        let ids: Vec<String> = candidates.iter().map(|u| u.identity.clone()).collect();
        store.current_unblocks(&ids).await?
    };
    Ok(Board {
        month: today.month(),
        users: users.len(),
        standings: standings(&candidates, &day, &book, &unblocks, now),
    })
}

/// Every policy that can govern `users`: theirs, their groups', and the default.
fn policy_keys(users: &[MonthUser]) -> Vec<(PolicyType, String)> {
    let mut keys = vec![(PolicyType::Default, "default".to_owned())];
    for user in users {
        keys.push((PolicyType::User, user.identity.clone()));
        keys.extend(
            user.groups
                .iter()
                .map(|g| (PolicyType::Group, g.as_str().to_owned())),
        );
    }
    keys
}

/// Decides for each of `users` (today's usage from the day rollup's `day` counters) and keeps
/// those needing attention, most urgent first.
pub fn standings(
    users: &[MonthUser],
    day: &BTreeMap<String, Counters>,
    book: &PolicyBook,
    unblocks: &HashMap<String, Unblock>,
    now: OffsetDateTime,
) -> Vec<Standing> {
    let mut out: Vec<Standing> = users
        .iter()
        .filter_map(|user| {
            let today = day.get(&user.identity);
            let counter = |name: &str| today.and_then(|c| c.get(name)).copied().unwrap_or(0);
            let usage = CurrentUsage {
                month: user.totals,
                day: UsageTotals {
                    tokens: counter("total_tokens"),
                    cost: Usd(counter("cost_micros")),
                },
            };
            let resolution = book.resolve(&user.identity, &user.groups);
            let decision = decide(&resolution, &usage, unblocks.get(&user.identity), now);
            needs_attention(&decision).then(|| Standing {
                identity: user.identity.clone(),
                decision,
            })
        })
        .collect();
    let share = |s: &Standing| {
        highest(&s.decision)
            .and_then(|l| l.percent)
            .unwrap_or_default()
    };
    out.sort_by(|a, b| {
        a.decision
            .allowed
            .cmp(&b.decision.allowed)
            .then(share(b).total_cmp(&share(a)))
            .then_with(|| a.identity.cmp(&b.identity))
    });
    out
}

/// Draws the board: a summary line and a table of up to `request.limit` users.
pub fn render(request: &WidgetRequest, board: &Board) -> String {
    let dark = request.dark;
    if board.users == 0 {
        return notice(
            dark,
            &format!("No token usage in {} (UTC) yet.", board.month),
        );
    }
    let blocked = board
        .standings
        .iter()
        .filter(|s| !s.decision.allowed)
        .count();
    let near = board.standings.len() - blocked;
    let summary = format!(
        "{blocked} blocked, {near} at 80% or more of a limit, of {} users with usage in {} (UTC, now)",
        board.users, board.month
    );
    let heading = format!(
        "<p style=\"margin:0 0 6px 0;color:{}\">{}</p>",
        theme(dark).muted,
        crate::html::escape(&summary)
    );
    if board.standings.is_empty() {
        return page(dark, &heading);
    }
    let rows: Vec<Vec<String>> = board
        .standings
        .iter()
        .take(request.limit)
        .map(|s| {
            vec![
                s.identity.clone(),
                policy_name(&s.decision),
                status(&s.decision),
                highest(&s.decision)
                    .map(|l| format!("{}: {}", l.kind.label(), l.used_of_limit()))
                    .unwrap_or_default(),
            ]
        })
        .collect();
    let more = board.standings.len().saturating_sub(request.limit);
    let footer = if more > 0 {
        format!(
            "<p style=\"margin:4px 0 0 0;color:{}\">and {more} more (raise params.limit, up to 100, or run ccwb quota usage)</p>",
            theme(dark).muted
        )
    } else {
        String::new()
    };
    page(
        dark,
        &format!(
            "{heading}{}{footer}",
            table_aligned(
                dark,
                &["User", "Policy", "Status", "Highest limit"],
                &rows,
                4
            )
        ),
    )
}

fn policy_name(decision: &Decision) -> String {
    match &decision.policy {
        Some((PolicyType::Default, _)) => "default".to_owned(),
        Some((policy_type, id)) => format!("{policy_type} {id}"),
        None => "none".to_owned(),
    }
}

fn status(decision: &Decision) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    match (&decision.reason, &decision.unblock) {
        (Reason::Unblocked, Some(unblock)) => format!(
            "unblocked until {} UTC",
            unblock.expires_at.format(&format).unwrap_or_default()
        ),
        _ if !decision.allowed => "blocked".to_owned(),
        _ if decision.limits.iter().any(|l| l.exceeded()) => "over (alert only)".to_owned(),
        _ => "near a limit".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use ccwb_core::{Group, Mode, Policy, TokenAmount};
    use time::macros::datetime;

    use super::*;

    fn user(identity: &str, groups: &[&str], tokens: u64) -> MonthUser {
        MonthUser {
            identity: identity.into(),
            groups: groups.iter().filter_map(|g| Group::parse(g)).collect(),
            totals: UsageTotals {
                tokens,
                cost: Usd(0),
            },
        }
    }

    fn request() -> WidgetRequest {
        WidgetRequest {
            dark: true,
            ..crate::request::sample(NAME)
        }
    }

    #[test]
    fn refused_first_then_by_share_and_hostile_names_inert() {
        let now = datetime!(2026-11-20 12:00 UTC);
        let book = PolicyBook::new([
            Policy {
                monthly_token_limit: Some(TokenAmount(1000)),
                enforcement_mode: Mode::Block,
                ..Policy::new(PolicyType::Group, "<b>eng</b>")
            },
            Policy {
                monthly_token_limit: Some(TokenAmount(100)),
                ..Policy::new(PolicyType::Default, "default")
            },
        ]);
        let hostile = "<script>x</script>@x.com";
        let users = [
            user("a@x.com", &["<b>eng</b>"], 900),
            user(hostile, &["<b>eng</b>"], 1000),
            user("c@x.com", &[], 150),
            user("d@x.com", &["<b>eng</b>"], 10),
        ];
        let standings = standings(&users, &BTreeMap::new(), &book, &HashMap::new(), now);
        let order: Vec<&str> = standings.iter().map(|s| s.identity.as_str()).collect();
        assert_eq!(order, [hostile, "c@x.com", "a@x.com"]);
        let board = Board {
            month: Day::of(now).month(),
            users: users.len(),
            standings,
        };
        let html = render(&request(), &board);
        assert!(
            html.contains("1 blocked, 2 at 80% or more of a limit, of 4 users"),
            "{html}"
        );
        assert!(html.contains("over (alert only)") && html.contains("near a limit"));
        assert!(!html.contains("<script") && !html.contains("<b>"), "{html}");
        assert!(html.contains("group &lt;b&gt;eng&lt;/b&gt;"), "{html}");
    }

    #[test]
    fn nobody_near_a_limit_and_no_usage_say_so() {
        let mut board = Board {
            month: Day::of(datetime!(2026-11-20 12:00 UTC)).month(),
            users: 3,
            standings: Vec::new(),
        };
        assert!(
            render(&request(), &board)
                .contains("0 blocked, 0 at 80% or more of a limit, of 3 users")
        );
        board.users = 0;
        assert!(render(&request(), &board).contains("No token usage in 2026-11 (UTC) yet."));
    }
}
