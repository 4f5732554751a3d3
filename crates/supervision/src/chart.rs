//! Charts drawn on the server as inline SVG, so that a dashboard needs no JavaScript. Each chart
//! carries its title and a description for screen readers, and every chart on a page stands
//! beside the table of the same figures.

/// Text made safe for SVG and XML.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The colours of the series, dark enough on white (contrast above 4.5:1).
const COLOURS: [&str; 3] = ["#1d4f91", "#a14a00", "#2e6b30"];

/// A line per series over the days, with the largest value marked on the axis.
/// `id` names the chart's title and description for `aria-labelledby`.
pub fn lines(id: &str, title: &str, days: &[String], series: &[(&str, Vec<i64>)]) -> String {
    let (w, h, left, bottom, top) = (720.0_f64, 240.0_f64, 48.0_f64, 32.0_f64, 16.0_f64);
    let max = series
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1);
    let n = days.len().max(2) as f64 - 1.0;
    let x = |i: usize| left + (w - left - 8.0) * i as f64 / n;
    let y = |v: i64| top + (h - top - bottom) * (1.0 - v as f64 / max as f64);
    let id = escape(id);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" role=\"img\" \
         aria-labelledby=\"{id}-t {id}-d\" class=\"chart\"><title id=\"{id}-t\">{}</title>\
         <desc id=\"{id}-d\">{}</desc>",
        escape(title),
        escape(&describe(days, series)),
    );
    let base = h - bottom;
    svg.push_str(&format!(
        "<line x1=\"{left}\" y1=\"{base}\" x2=\"{}\" y2=\"{base}\" stroke=\"#595959\"/>\
         <line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{base}\" stroke=\"#595959\"/>\
         <text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"12\">{max}</text>\
         <text x=\"{}\" y=\"{base}\" text-anchor=\"end\" font-size=\"12\">0</text>",
        w - 8.0,
        left - 6.0,
        top + 4.0,
        left - 6.0,
    ));
    if let (Some(first), Some(last)) = (days.first(), days.last()) {
        svg.push_str(&format!(
            "<text x=\"{left}\" y=\"{}\" font-size=\"12\">{}</text>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"12\">{}</text>",
            h - 10.0,
            escape(first),
            w - 8.0,
            h - 10.0,
            escape(last)
        ));
    }
    for (s, (name, values)) in series.iter().enumerate() {
        let colour = COLOURS[s % COLOURS.len()];
        let points: Vec<String> = values
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{:.1},{:.1}", x(i), y(*v)))
            .collect();
        svg.push_str(&format!(
            "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{}\"/>",
            points.join(" ")
        ));
        // The legend, top right, one line per series.
        let ly = top + 14.0 * s as f64;
        svg.push_str(&format!(
            "<rect x=\"{}\" y=\"{}\" width=\"12\" height=\"4\" fill=\"{colour}\"/>\
             <text x=\"{}\" y=\"{}\" font-size=\"12\">{}</text>",
            w - 160.0,
            ly + 2.0,
            w - 142.0,
            ly + 8.0,
            escape(name)
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// The series in words: each one's total and its largest day.
fn describe(days: &[String], series: &[(&str, Vec<i64>)]) -> String {
    series
        .iter()
        .map(|(name, values)| {
            let total: i64 = values.iter().sum();
            let peak = values
                .iter()
                .enumerate()
                .max_by_key(|(_, v)| **v)
                .and_then(|(i, v)| days.get(i).map(|d| format!("{d}: {v}")))
                .unwrap_or_default();
            format!("{name} {total} ({peak})")
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// A horizontal bar per row, its value a share (0 to 1) shown as a percentage.
pub fn bars(id: &str, title: &str, rows: &[(String, f64)]) -> String {
    let (w, row_h, label_w) = (720.0_f64, 24.0_f64, 260.0_f64);
    let h = row_h * rows.len().max(1) as f64 + 8.0;
    let id = escape(id);
    let described: Vec<String> = rows
        .iter()
        .map(|(label, v)| format!("{label} {:.1}%", v * 100.0))
        .collect();
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" role=\"img\" \
         aria-labelledby=\"{id}-t {id}-d\" class=\"chart\"><title id=\"{id}-t\">{}</title>\
         <desc id=\"{id}-d\">{}</desc>",
        escape(title),
        escape(&described.join("; ")),
    );
    for (i, (label, value)) in rows.iter().enumerate() {
        let y = 4.0 + row_h * i as f64;
        let share = value.clamp(0.0, 1.0);
        let bar = (w - label_w - 64.0) * share;
        svg.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"12\">{}</text>\
             <rect x=\"{label_w}\" y=\"{}\" width=\"{bar:.1}\" height=\"{}\" fill=\"{}\"/>\
             <text x=\"{}\" y=\"{}\" font-size=\"12\">{:.1}%</text>",
            label_w - 8.0,
            y + 15.0,
            escape(label),
            y + 3.0,
            row_h - 8.0,
            COLOURS[0],
            label_w + bar + 6.0,
            y + 15.0,
            share * 100.0
        ));
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_escape_their_text_and_describe_their_figures() {
        let days = vec!["2026-11-01".to_string(), "2026-11-02".to_string()];
        let svg = lines("t", "收件<趋势>", &days, &[("收件 & 办结", vec![3, 5])]);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("收件&lt;趋势&gt;") && svg.contains("收件 &amp; 办结"));
        assert!(!svg.contains("<趋势>"));
        assert!(svg.contains("收件 &amp; 办结 8 (2026-11-02: 5)"), "{svg}");
        let bars = bars("b", "按时办结率", &[("市场监管局".into(), 0.5), ("<x>".into(), 2.0)]);
        assert!(bars.contains("50.0%") && bars.contains("100.0%") && bars.contains("&lt;x&gt;"));
        // No figures draws an empty chart, not a division by zero.
        let empty = lines("e", "空", &[], &[]);
        assert!(!empty.contains("NaN") && !empty.contains("inf"), "{empty}");
    }
}
