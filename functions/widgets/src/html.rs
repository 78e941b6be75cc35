//! HTML for custom widgets: every value escaped, no scripts (CloudWatch strips them anyway),
//! colours from the dashboard's theme.

pub use ccwb_core::html::escape;

/// Colours of one theme.
pub struct Theme {
    /// Text.
    pub text: &'static str,
    /// Secondary text and grid lines.
    pub muted: &'static str,
    /// Series colours.
    pub series: [&'static str; 6],
}

/// The theme for `dark` or light dashboards.
pub fn theme(dark: bool) -> Theme {
    if dark {
        Theme {
            text: "#e6e6e6",
            muted: "#8d99a6",
            series: [
                "#5aa9e6", "#f0a35e", "#7fc97f", "#e377c2", "#bcbd22", "#17becf",
            ],
        }
    } else {
        Theme {
            text: "#16191f",
            muted: "#687078",
            series: [
                "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
            ],
        }
    }
}

/// The widget's HTML around `body`.
pub fn page(dark: bool, body: &str) -> String {
    let t = theme(dark);
    format!(
        "<div style=\"font-family:Amazon Ember,Helvetica,Arial,sans-serif;font-size:13px;color:{}\">{body}</div>",
        t.text
    )
}

/// The "no data" state: a clear sentence, not an error.
pub fn no_data(dark: bool, what: &str) -> String {
    notice(dark, &format!("No {what} in this time range."))
}

/// A centred sentence in place of a chart (escaped here).
pub fn notice(dark: bool, sentence: &str) -> String {
    page(
        dark,
        &format!(
            "<p style=\"color:{};text-align:center;padding:2em 0\">{}</p>",
            theme(dark).muted,
            escape(sentence)
        ),
    )
}

/// A table with a header row, the first column left-aligned and the others (numbers)
/// right-aligned; cells are escaped here.
pub fn table(dark: bool, header: &[&str], rows: &[Vec<String>]) -> String {
    table_aligned(dark, header, rows, 1)
}

/// A table whose first `text_columns` columns are left-aligned text and the rest right-aligned
/// numbers; cells are escaped here.
pub fn table_aligned(
    dark: bool,
    header: &[&str],
    rows: &[Vec<String>],
    text_columns: usize,
) -> String {
    let t = theme(dark);
    let mut out = String::from("<table style=\"border-collapse:collapse;width:100%\"><tr>");
    for (i, h) in header.iter().enumerate() {
        let align = if i < text_columns { "left" } else { "right" };
        out.push_str(&format!(
            "<th style=\"text-align:{align};color:{};border-bottom:1px solid {};padding:2px 6px\">{}</th>",
            t.muted,
            t.muted,
            escape(h)
        ));
    }
    out.push_str("</tr>");
    for row in rows {
        out.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            let align = if i < text_columns { "left" } else { "right" };
            out.push_str(&format!(
                "<td style=\"text-align:{align};padding:2px 6px\">{}</td>",
                escape(cell)
            ));
        }
        out.push_str("</tr>");
    }
    out.push_str("</table>");
    out
}

pub use ccwb_core::amount::thousands;

/// Micro-dollars as `$1,234.56`.
pub fn dollars(micros: u64) -> String {
    let cents = micros.saturating_add(5_000) / 10_000;
    format!("${}.{:02}", thousands(cents / 100), cents % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_is_inert() {
        let out = escape("<script>alert('x')</script><cwdb-action>\"");
        assert!(!out.contains('<') && !out.contains('>') && !out.contains('"'));
        assert_eq!(escape("a&b"), "a&amp;b");
    }

    #[test]
    fn numbers() {
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(dollars(1_234_567_890), "$1,234.57");
        assert_eq!(dollars(0), "$0.00");
    }
}
