//! Inline SVG charts sized to the widget: stacked daily columns and horizontal bars.

use crate::html::{escape, theme};

/// Stacked columns: one per label (a day), one colour per series.
pub fn columns(
    dark: bool,
    width: u32,
    height: u32,
    labels: &[String],
    series: &[(String, Vec<u64>)],
) -> String {
    let t = theme(dark);
    let (w, h) = (
        f64::from(width),
        f64::from(height.saturating_sub(40).max(60)),
    );
    let (left, bottom) = (60.0, 20.0);
    let plot_w = (w - left - 10.0).max(10.0);
    let plot_h = (h - bottom - 10.0).max(10.0);
    let totals: Vec<u64> = (0..labels.len())
        .map(|i| {
            series
                .iter()
                .map(|(_, v)| v.get(i).copied().unwrap_or(0))
                .fold(0, u64::saturating_add)
        })
        .collect();
    let max = totals.iter().copied().max().unwrap_or(0).max(1) as f64;
    let slot = plot_w / labels.len().max(1) as f64;
    let bar = (slot * 0.7).max(1.0);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\">"
    );
    svg.push_str(&format!(
        "<text x=\"4\" y=\"14\" fill=\"{}\" font-size=\"11\">{}</text>",
        t.muted,
        crate::html::thousands(max as u64)
    ));
    svg.push_str(&format!(
        "<line x1=\"{left}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\"/>",
        10.0 + plot_h,
        left + plot_w,
        10.0 + plot_h,
        t.muted
    ));
    for (i, label) in labels.iter().enumerate() {
        let x = left + slot * i as f64 + (slot - bar) / 2.0;
        let mut y = 10.0 + plot_h;
        for (s, (name, values)) in series.iter().enumerate() {
            let v = values.get(i).copied().unwrap_or(0);
            if v == 0 {
                continue;
            }
            let bh = plot_h * v as f64 / max;
            y -= bh;
            svg.push_str(&format!(
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bar:.1}\" height=\"{bh:.1}\" fill=\"{}\"><title>{} {}: {}</title></rect>",
                t.series[s % t.series.len()],
                escape(label),
                escape(name),
                crate::html::thousands(v)
            ));
        }
        // Label every column when they fit, else about eight of them.
        let every = (labels.len() / 8).max(1);
        if i % every == 0 {
            svg.push_str(&format!(
                "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"{}\" font-size=\"10\" text-anchor=\"middle\">{}</text>",
                x + bar / 2.0,
                h - 4.0,
                t.muted,
                escape(label.get(5..).unwrap_or(label))
            ));
        }
    }
    svg.push_str("</svg>");
    svg + &legend(dark, series.iter().map(|(n, _)| n.as_str()))
}

/// Horizontal bars, one per row, longest first as given.
pub fn bars(dark: bool, width: u32, rows: &[(String, u64, String)]) -> String {
    let t = theme(dark);
    let w = f64::from(width);
    let label_w = (w * 0.35).min(240.0);
    // Room for the longest value text (about 7 px a character at 12 px).
    let longest = rows.iter().map(|r| r.2.chars().count()).max().unwrap_or(0);
    let value_w = (7.0 * longest as f64 + 8.0).max(110.0);
    let plot_w = (w - label_w - value_w).max(20.0);
    let row_h = 20.0;
    let h = row_h * rows.len() as f64 + 4.0;
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1) as f64;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\">"
    );
    for (i, (label, value, shown)) in rows.iter().enumerate() {
        let y = row_h * i as f64 + 2.0;
        let bw = plot_w * *value as f64 / max;
        svg.push_str(&format!(
            "<text x=\"0\" y=\"{:.1}\" fill=\"{}\" font-size=\"12\">{}</text><rect x=\"{label_w:.1}\" y=\"{y:.1}\" width=\"{bw:.1}\" height=\"{:.1}\" fill=\"{}\"/><text x=\"{:.1}\" y=\"{:.1}\" fill=\"{}\" font-size=\"12\">{}</text>",
            y + 13.0,
            t.text,
            escape(label),
            row_h - 6.0,
            t.series[0],
            label_w + bw + 4.0,
            y + 13.0,
            t.muted,
            escape(shown)
        ));
    }
    svg.push_str("</svg>");
    svg
}

fn legend<'a>(dark: bool, names: impl Iterator<Item = &'a str>) -> String {
    let t = theme(dark);
    let mut out = String::from("<div style=\"font-size:11px\">");
    for (i, name) in names.enumerate() {
        out.push_str(&format!(
            "<span style=\"margin-right:12px\"><span style=\"display:inline-block;width:10px;height:10px;background:{}\"></span> {}</span>",
            t.series[i % t.series.len()],
            escape(name)
        ));
    }
    out.push_str("</div>");
    out
}
