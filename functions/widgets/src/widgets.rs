//! The widgets, each drawn from the day rollups of the requested range.

use std::collections::BTreeMap;

use ccwb_core::usage::saturating_sum;
use ccwb_core::{PriceTable, TokenType};
use ccwb_store::items::usage::{CLAUDE_CODE_COST_MICROS, COST_MICROS};
use ccwb_store::{Counters, DayRollup};

use crate::chart::{bars, columns};
use crate::html::{dollars, escape, no_data, page, table, theme, thousands};
use crate::request::WidgetRequest;

/// Every widget: name and one line of documentation.
pub const WIDGETS: [(&str, &str); 11] = [
    (
        "total-tokens",
        "Tokens per day by type (input, output, cache read, cache write), with the range's total and cost.",
    ),
    ("tokens-by-model", "Tokens per model over the range."),
    (
        "cost-by-model",
        "Cost per model over the range (tokens at Claude Code's list prices, or the deployment's CCWB_PRICING), with the cost Claude Code itself reported beside it.",
    ),
    (
        "top-users",
        "The users with the most tokens, with their cost (`limit`, default 10).",
    ),
    (
        "active-users",
        "Distinct users per day, and over the whole range (exact, not a top-N list).",
    ),
    (
        "cache-efficiency",
        "Share of input served from the prompt cache, and dollars it saved.",
    ),
    (
        "quota-status",
        "Users blocked or at 80% or more of a limit now (this UTC month and day, whatever the range), with their policy and the limit nearest its cap (`limit` rows, default 10).",
    ),
    ("lines-of-code", "Lines of code added and removed per day."),
    (
        "commits-and-prs",
        "Commits and pull requests created with Claude Code per day.",
    ),
    (
        "code-acceptance",
        "Edit suggestions accepted and rejected, by language.",
    ),
    (
        "active-hours",
        "Tokens by hour and weekday, in the dashboard's timezone.",
    ),
];

const TOKEN_TYPES: [(&str, &str); 4] = [
    ("input_tokens", "input"),
    ("output_tokens", "output"),
    ("cache_read_tokens", "cache read"),
    ("cache_write_tokens", "cache write"),
];

fn sum<'a>(counters: impl Iterator<Item = &'a Counters>, name: &str) -> u64 {
    saturating_sum(counters.map(|c| c.get(name).copied().unwrap_or(0)))
}

fn merged<'a>(
    items: impl Iterator<Item = (&'a String, &'a Counters)>,
) -> BTreeMap<String, Counters> {
    let mut out: BTreeMap<String, Counters> = BTreeMap::new();
    for (name, counters) in items {
        let entry = out.entry(name.clone()).or_default();
        for (k, v) in counters {
            let sum = entry.entry(k.clone()).or_default();
            *sum = sum.saturating_add(*v);
        }
    }
    out
}

fn labels(days: &[DayRollup]) -> Vec<String> {
    days.iter().map(|d| d.day.to_string()).collect()
}

fn heading(dark: bool, text: &str) -> String {
    format!(
        "<p style=\"margin:0 0 6px 0;color:{}\">{}</p>",
        theme(dark).muted,
        escape(text)
    )
}

/// Draws `request.widget` from day rollups; `Err` names an unknown widget. `quota-status`
/// is drawn by [`crate::quota_status`] from what it reads.
pub fn render(
    request: &WidgetRequest,
    days: &[DayRollup],
    prices: &PriceTable,
) -> Result<String, String> {
    let dark = request.dark;
    let users = || days.iter().flat_map(|d| d.users.values());
    let models = || merged(days.iter().flat_map(|d| d.models.iter()));
    let html = match request.widget.as_str() {
        "total-tokens" => {
            let total = sum(users(), "total_tokens");
            if total == 0 {
                return Ok(no_data(dark, "token usage"));
            }
            let cost = dollars(sum(users(), "cost_micros"));
            let text = format!("{} tokens, {cost}", thousands(total));
            headed_columns(request, days, &text, &daily_series(days, &TOKEN_TYPES))
        }
        "tokens-by-model" => {
            let mut rows: Vec<(String, u64, String)> = models()
                .into_iter()
                .map(|(model, c)| {
                    let v = c.get("total_tokens").copied().unwrap_or(0);
                    (model, v, thousands(v))
                })
                .filter(|r| r.1 > 0)
                .collect();
            if rows.is_empty() {
                return Ok(no_data(dark, "model usage"));
            }
            rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            page(dark, &bars(dark, request.width, &rows))
        }
        "cost-by-model" => {
            let counter = |c: &Counters, name: &str| c.get(name).copied().unwrap_or(0);
            // (model, ours, Claude Code's)
            let mut costs: Vec<(String, u64, u64)> = models()
                .into_iter()
                .map(|(model, c)| {
                    let ours = counter(&c, COST_MICROS);
                    (model, ours, counter(&c, CLAUDE_CODE_COST_MICROS))
                })
                .filter(|(_, ours, reported)| *ours > 0 || *reported > 0)
                .collect();
            if costs.is_empty() {
                return Ok(no_data(dark, "model usage"));
            }
            costs.sort_by(|a, b| {
                b.1.cmp(&a.1)
                    .then(b.2.cmp(&a.2))
                    .then_with(|| a.0.cmp(&b.0))
            });
            let ours = saturating_sum(costs.iter().map(|r| r.1));
            let reported = saturating_sum(costs.iter().map(|r| r.2));
            let rows: Vec<(String, u64, String)> = costs
                .into_iter()
                .map(|(model, ours, reported)| {
                    let shown = if reported > 0 {
                        format!("{} (Claude Code {})", dollars(ours), dollars(reported))
                    } else {
                        dollars(ours)
                    };
                    (model, ours, shown)
                })
                .collect();
            let summary = if reported > 0 {
                format!(
                    "{} from tokens at our prices; Claude Code reports {}",
                    dollars(ours),
                    dollars(reported)
                )
            } else {
                format!("{} from tokens at our prices", dollars(ours))
            };
            page(
                dark,
                &format!(
                    "{}{}",
                    heading(dark, &summary),
                    bars(dark, request.width, &rows)
                ),
            )
        }
        "top-users" => {
            let mut rows: Vec<(String, u64, u64)> =
                merged(days.iter().flat_map(|d| d.users.iter()))
                    .into_iter()
                    .map(|(user, c)| {
                        (
                            user,
                            c.get("total_tokens").copied().unwrap_or(0),
                            c.get("cost_micros").copied().unwrap_or(0),
                        )
                    })
                    .filter(|r| r.1 > 0)
                    .collect();
            if rows.is_empty() {
                return Ok(no_data(dark, "token usage"));
            }
            rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            rows.truncate(request.limit);
            let rows: Vec<Vec<String>> = rows
                .into_iter()
                .map(|(u, t, c)| vec![u, thousands(t), dollars(c)])
                .collect();
            page(dark, &table(dark, &["User", "Tokens", "Cost"], &rows))
        }
        "active-users" => {
            let active = |c: &Counters| c.values().any(|v| *v > 0);
            let per_day: Vec<u64> = days
                .iter()
                .map(|d| d.users.values().filter(|c| active(c)).count() as u64)
                .collect();
            let distinct: std::collections::BTreeSet<&String> = days
                .iter()
                .flat_map(|d| d.users.iter().filter(|(_, c)| active(c)).map(|(u, _)| u))
                .collect();
            if distinct.is_empty() {
                return Ok(no_data(dark, "active users"));
            }
            let text = format!("{} distinct users in the range", distinct.len());
            headed_columns(
                request,
                days,
                &text,
                &[("users per day".to_owned(), per_day)],
            )
        }
        "cache-efficiency" => {
            let by_model = models();
            let read = sum(by_model.values(), "cache_read_tokens");
            let input = sum(by_model.values(), "input_tokens");
            let write = sum(by_model.values(), "cache_write_tokens");
            let all_input = saturating_sum([read, input, write]);
            if all_input == 0 {
                return Ok(no_data(dark, "input tokens"));
            }
            // Saved: what the cache reads would have cost as plain input, less what they cost.
            let saved: u64 = by_model
                .iter()
                // Only models with a price: an unknown one is charged the ceiling, and what
                // the cache saved at made-up prices would be made up too.
                .filter(|(model, _)| prices.knows(model))
                .map(|(model, c)| {
                    let tokens = c.get("cache_read_tokens").copied().unwrap_or(0);
                    let full = prices.cost(model, TokenType::Input, tokens).cost.0;
                    let paid = prices.cost(model, TokenType::CacheRead, tokens).cost.0;
                    full.saturating_sub(paid)
                })
                .fold(0, u64::saturating_add);
            let share = read as f64 * 100.0 / all_input as f64;
            let rows = vec![
                vec!["Cache reads".to_owned(), thousands(read)],
                vec!["Cache writes".to_owned(), thousands(write)],
                vec!["Uncached input".to_owned(), thousands(input)],
                vec!["Served from cache".to_owned(), format!("{share:.1}%")],
                vec!["Saved".to_owned(), dollars(saved)],
            ];
            page(dark, &table(dark, &["Input", "Value"], &rows))
        }
        "lines-of-code" => activity_columns(
            request,
            days,
            &[
                ("activity#lines_of_code.count#added", "added"),
                ("activity#lines_of_code.count#removed", "removed"),
            ],
            "lines of code",
        ),
        "commits-and-prs" => activity_columns(
            request,
            days,
            &[
                ("activity#commit.count", "commits"),
                ("activity#pull_request.count", "pull requests"),
            ],
            "commits or pull requests",
        ),
        "code-acceptance" => {
            let prefix = "activity#code_edit_tool.decision#";
            let mut by_language: BTreeMap<String, (u64, u64)> = BTreeMap::new();
            for counters in users() {
                for (name, value) in counters {
                    let Some(rest) = name.strip_prefix(prefix) else {
                        continue;
                    };
                    let Some((decision, language)) = rest.split_once('#') else {
                        continue;
                    };
                    let entry = by_language.entry(language.to_owned()).or_default();
                    match decision {
                        "accept" => entry.0 = entry.0.saturating_add(*value),
                        "reject" => entry.1 = entry.1.saturating_add(*value),
                        _ => {}
                    }
                }
            }
            if by_language.values().all(|(a, r)| *a == 0 && *r == 0) {
                return Ok(no_data(dark, "edit decisions"));
            }
            let mut rows: Vec<(String, u64, u64)> = by_language
                .into_iter()
                .map(|(l, (a, r))| (l, a, r))
                .collect();
            rows.sort_by(|a, b| {
                b.1.saturating_add(b.2)
                    .cmp(&a.1.saturating_add(a.2))
                    .then_with(|| a.0.cmp(&b.0))
            });
            let rows: Vec<Vec<String>> = rows
                .into_iter()
                .map(|(language, a, r)| {
                    vec![
                        language,
                        thousands(a),
                        thousands(r),
                        format!(
                            "{:.0}%",
                            a as f64 * 100.0 / a.saturating_add(r).max(1) as f64
                        ),
                    ]
                })
                .collect();
            page(
                dark,
                &table(
                    dark,
                    &["Language", "Accepted", "Rejected", "Accept rate"],
                    &rows,
                ),
            )
        }
        "active-hours" => {
            // Weekday (Monday first) by hour, shifted from UTC to the dashboard's timezone.
            let mut grid = [[0u64; 24]; 7];
            let offset = time::Duration::minutes(i64::from(request.utc_offset_minutes));
            for rollup in days {
                let midnight = rollup.day.start();
                for (hour, tokens) in rollup.hours.iter().enumerate() {
                    if *tokens == 0 {
                        continue;
                    }
                    let local = midnight + time::Duration::hours(hour as i64) + offset;
                    let weekday = local.weekday().number_days_from_monday() as usize;
                    let cell = &mut grid[weekday][usize::from(local.hour())];
                    *cell = cell.saturating_add(*tokens);
                }
            }
            if grid.iter().flatten().all(|v| *v == 0) {
                return Ok(no_data(dark, "token usage"));
            }
            page(
                dark,
                &heatmap(dark, request.width, &grid, &request.timezone),
            )
        }
        crate::quota_status::NAME => {
            return Err("quota-status is drawn from the month's standings, not day rollups".into());
        }
        other => {
            let names: Vec<&str> = WIDGETS.iter().map(|(n, _)| *n).collect();
            return Err(format!(
                "unknown widget {other:?}: params.widget is one of {}",
                names.join(", ")
            ));
        }
    };
    Ok(html)
}

/// A weekday-by-hour heatmap, with the busiest hour named.
fn heatmap(dark: bool, width: u32, grid: &[[u64; 24]; 7], timezone: &str) -> String {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let t = theme(dark);
    let max = grid.iter().flatten().copied().max().unwrap_or(0).max(1);
    let (busiest_day, busiest_hour) = (0..7)
        .flat_map(|d| (0..24).map(move |h| (d, h)))
        .max_by_key(|(d, h)| (grid[*d][*h], std::cmp::Reverse((*d, *h))))
        .unwrap_or((0, 0));
    let left = 36.0;
    let cell_w = ((f64::from(width) - left - 4.0) / 24.0).max(4.0);
    let cell_h = 18.0;
    let h = cell_h * 7.0 + 18.0;
    let w = left + cell_w * 24.0;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w:.0}\" height=\"{h:.0}\" viewBox=\"0 0 {w:.0} {h:.0}\">"
    );
    for hour in (0..24).step_by(3) {
        svg.push_str(&format!(
            "<text x=\"{:.1}\" y=\"11\" fill=\"{}\" font-size=\"10\">{hour:02}</text>",
            left + cell_w * hour as f64,
            t.muted
        ));
    }
    for (d, row) in grid.iter().enumerate() {
        let y = 16.0 + cell_h * d as f64;
        svg.push_str(&format!(
            "<text x=\"0\" y=\"{:.1}\" fill=\"{}\" font-size=\"11\">{}</text>",
            y + 12.0,
            t.muted,
            DAYS[d]
        ));
        for (hour, value) in row.iter().enumerate() {
            let opacity = if *value == 0 {
                0.06
            } else {
                0.15 + 0.85 * *value as f64 / max as f64
            };
            svg.push_str(&format!(
                "<rect x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\" fill-opacity=\"{opacity:.2}\"><title>{} {hour:02}:00 {} tokens</title></rect>",
                left + cell_w * hour as f64,
                cell_w - 1.0,
                cell_h - 2.0,
                t.series[0],
                DAYS[d],
                thousands(*value)
            ));
        }
    }
    svg.push_str("</svg>");
    format!(
        "{}{svg}",
        heading(
            dark,
            &format!(
                "Busiest: {} {busiest_hour:02}:00 ({} tokens), times in {timezone}",
                DAYS[busiest_day],
                thousands(grid[busiest_day][busiest_hour])
            )
        )
    )
}

/// One series per `(counter, label)`: the counter summed over users, day by day.
fn daily_series(days: &[DayRollup], counters: &[(&str, &str)]) -> Vec<(String, Vec<u64>)> {
    counters
        .iter()
        .map(|(attr, label)| {
            (
                (*label).to_owned(),
                days.iter().map(|d| sum(d.users.values(), attr)).collect(),
            )
        })
        .collect()
}

fn activity_columns(
    request: &WidgetRequest,
    days: &[DayRollup],
    counters: &[(&str, &str)],
    what: &str,
) -> String {
    let series = daily_series(days, counters);
    let totals: Vec<String> = series
        .iter()
        .map(|(label, values)| {
            format!(
                "{} {label}",
                thousands(saturating_sum(values.iter().copied()))
            )
        })
        .collect();
    if series.iter().all(|(_, v)| v.iter().all(|n| *n == 0)) {
        return no_data(request.dark, what);
    }
    headed_columns(request, days, &totals.join(", "), &series)
}

/// A page of `text` over the stacked daily columns of `series`.
fn headed_columns(
    request: &WidgetRequest,
    days: &[DayRollup],
    text: &str,
    series: &[(String, Vec<u64>)],
) -> String {
    let dark = request.dark;
    let chart = columns(dark, request.width, request.height, &labels(days), series);
    page(dark, &format!("{}{chart}", heading(dark, text)))
}

/// `{"describe": true}`: the widget's documentation, in markdown.
pub fn describe() -> String {
    let mut out = String::from(
        "## ccwb usage widgets\n\nDraws Claude Code usage from the ccwb usage rollups (one DynamoDB query per day of the range). \
Choose the widget with `widget` in the widget's parameters:\n\n| widget | shows |\n|---|---|\n",
    );
    for (name, what) in WIDGETS {
        out.push_str(&format!("| `{name}` | {what} |\n"));
    }
    out.push_str(
        "\nParameters (YAML):\n\n```yaml\nwidget: top-users\nlimit: 10   # rows of top-users and quota-status, 1-100\n```\n\n\
The dashboard's time range (or a zoomed range) is used, by UTC day. Empty ranges say so.\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ccwb_core::Day;
    use time::macros::datetime;

    fn day(users: &[(&str, &[(&str, u64)])], models: &[(&str, &[(&str, u64)])]) -> DayRollup {
        let counters = |pairs: &[(&str, u64)]| -> Counters {
            pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
        };
        DayRollup {
            day: Day::of(datetime!(2026-11-20 12:00 UTC)),
            users: users
                .iter()
                .map(|(u, c)| ((*u).to_owned(), counters(c)))
                .collect(),
            models: models
                .iter()
                .map(|(m, c)| ((*m).to_owned(), counters(c)))
                .collect(),
            hours: {
                let mut hours = [0; 24];
                hours[23] = 5;
                hours
            },
        }
    }

    use crate::request::sample as request;

    #[test]
    fn hours_shift_into_the_dashboards_timezone() {
        // 2026-11-20 is a Friday; 23:00 UTC is Saturday 01:00 at +02:00.
        let days = [day(&[("a@x", &[("total_tokens", 5)])], &[])];
        let mut r = request("active-hours");
        let utc = render(&r, &days, &PriceTable::default()).unwrap();
        assert!(
            utc.contains("Busiest: Fri 23:00 (5 tokens), times in UTC"),
            "{utc}"
        );
        r.utc_offset_minutes = 120;
        r.timezone = "Europe/Athens".into();
        let shifted = render(&r, &days, &PriceTable::default()).unwrap();
        assert!(
            shifted.contains("Busiest: Sat 01:00 (5 tokens)"),
            "{shifted}"
        );
    }

    #[test]
    fn cost_by_model_shows_claude_codes_figure_beside_ours() {
        let days = [day(
            &[],
            &[
                (
                    "claude-opus-5-5",
                    &[
                        (COST_MICROS, 2_000_000),
                        (CLAUDE_CODE_COST_MICROS, 1_950_000),
                    ],
                ),
                ("claude-haiku-4-5", &[(COST_MICROS, 500_000)]),
            ],
        )];
        let html = render(&request("cost-by-model"), &days, &PriceTable::default()).unwrap();
        assert!(html.contains(">$2.00 (Claude Code $1.95)<"), "{html}");
        assert!(html.contains(">$0.50<"), "{html}");
        assert!(
            html.contains("$2.50 from tokens at our prices; Claude Code reports $1.95"),
            "{html}"
        );
        assert!(
            html.find("claude-opus-5-5") < html.find("claude-haiku-4-5"),
            "most expensive first"
        );
    }

    #[test]
    fn hostile_names_render_inert() {
        let hostile = "<script>alert(1)</script><cwdb-action action=\"call\">\"'";
        let days = [day(
            &[(
                hostile,
                &[
                    ("total_tokens", 5),
                    ("activity#code_edit_tool.decision#accept#<b>", 1),
                ],
            )],
            &[(hostile, &[("total_tokens", 5), ("cost_micros", 1)])],
        )];
        for (widget, _) in WIDGETS
            .iter()
            .filter(|(w, _)| *w != crate::quota_status::NAME)
        {
            let html = render(&request(widget), &days, &PriceTable::default()).unwrap();
            assert!(!html.contains("<script"), "{widget}: {html}");
            assert!(!html.contains("<cwdb-action"), "{widget}");
            assert!(!html.contains("<b>"), "{widget}");
        }
    }

    #[test]
    fn empty_ranges_say_so_and_unknown_widgets_are_named() {
        for (widget, _) in WIDGETS
            .iter()
            .filter(|(w, _)| *w != crate::quota_status::NAME)
        {
            let html = render(&request(widget), &[], &PriceTable::default()).unwrap();
            assert!(html.contains("No "), "{widget}: {html}");
        }
        let err = render(&request("pie"), &[], &PriceTable::default()).unwrap_err();
        assert!(err.contains("\"pie\"") && err.contains("top-users"));
        assert!(describe().contains("`active-users`"));
        assert!(WIDGETS.iter().any(|(w, _)| *w == crate::quota_status::NAME));
    }
}
