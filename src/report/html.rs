//! The status page (design §13): one self-contained HTML file, inline CSS and
//! SVG, no script, nothing fetched; light and dark, readable from 375 px to
//! 1440 px, printable; every chart has a text alternative. Pure: a report
//! in, the page out.

use std::fmt::Write as _;

use super::model::{Cell, Llm, PerfSeries, ProbeReport, Report};

/// `text` escaped for HTML text and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters have no place in a page (the validator
            // refuses most); shown as their escapes, as a terminal would.
            c if c.is_control() && c != '\n' && c != '\t' => {
                let _ = write!(out, "\\u{{{:04x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
:root{color-scheme:light dark;--bg:#fbfbf9;--fg:#1d2127;--muted:#5d6571;--line:#d9dce1;--card:#fff;
--ok:#2e8b57;--warning:#c98a00;--critical:#cc3333;--unknown:#7b61c9;--none:#e3e5e8;--accent:#2f6fb5;--budget:#cc3333}
@media (prefers-color-scheme:dark){:root{--bg:#15181d;--fg:#e6e8eb;--muted:#9aa3ae;--line:#2c323a;--card:#1c2026;
--ok:#4cc38a;--warning:#e5b33b;--critical:#f06464;--unknown:#a48ef0;--none:#2b3038;--accent:#6aa8f0;--budget:#f06464}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:1200px;margin:0 auto;padding:16px}
h1{font-size:1.5rem;margin:0 0 4px}
h2{font-size:1.15rem;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:1rem;margin:0;overflow-wrap:anywhere}
p{margin:4px 0}
.muted{color:var(--muted)}
.overall{display:flex;flex-wrap:wrap;gap:8px 16px;align-items:center;padding:12px 16px;border-radius:8px;background:var(--card);border:1px solid var(--line);border-left:6px solid var(--ok)}
.overall.warning{border-left-color:var(--warning)}.overall.critical{border-left-color:var(--critical)}
.headline{font-size:1.2rem;font-weight:600}
.badge{display:inline-block;white-space:nowrap;padding:1px 8px;border-radius:10px;font-size:.8rem;font-weight:600;color:#fff;background:var(--none)}
.badge.ok{background:var(--ok)}.badge.warning{background:var(--warning)}.badge.critical{background:var(--critical)}.badge.unknown{background:var(--unknown)}
.badge.none{color:var(--fg)}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,520px),1fr));gap:12px}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px;min-width:0}
.probe-head{display:flex;flex-wrap:wrap;gap:4px 10px;align-items:baseline}
.uptime{display:flex;flex-wrap:wrap;gap:4px 16px;margin:6px 0}
.uptime b{font-variant-numeric:tabular-nums}
figure{margin:8px 0 0}
figcaption{font-size:.8rem;color:var(--muted)}
svg{display:block;width:100%}
svg.strip{height:18px}
svg.chart{height:90px}
svg.bars{height:160px}
.c-ok{fill:var(--ok)}.c-warning{fill:var(--warning)}.c-critical{fill:var(--critical)}.c-unknown{fill:var(--unknown)}.c-none{fill:var(--none)}
.line{fill:none;stroke:var(--accent);stroke-width:1.5}
.warn{stroke:var(--warning);stroke-width:1;stroke-dasharray:4 3}
.crit{stroke:var(--critical);stroke-width:1;stroke-dasharray:4 3}
.budget{stroke:var(--budget);stroke-width:1.5;stroke-dasharray:6 3}
.axis{display:flex;justify-content:space-between;font-size:.75rem;color:var(--muted);gap:8px}
.legend{display:flex;flex-wrap:wrap;gap:2px 12px;font-size:.8rem;color:var(--muted)}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;vertical-align:baseline}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{text-align:left;padding:4px 8px 4px 0;border-bottom:1px solid var(--line);vertical-align:top;overflow-wrap:anywhere}
th{color:var(--muted);font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
code{font:.85rem ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;overflow-wrap:anywhere;word-break:break-word}
details{margin-top:6px;font-size:.85rem}
.empty{color:var(--muted);font-style:italic}
footer{margin:32px 0 8px;font-size:.8rem;color:var(--muted)}
@media (max-width:480px){main{padding:10px}body{font-size:14px}th,td{padding-right:4px}}
@media print{:root{--bg:#fff;--fg:#000;--card:#fff;--muted:#444;--line:#bbb}
body{font-size:11pt}main{max-width:none;padding:0}.card,.overall,figure,tr{break-inside:avoid}
.scroll{overflow:visible}details>*{display:block}h2{break-after:avoid}}
"#;

/// The whole page.
pub fn page(r: &Report) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"tend {}\">\n<title>tend report: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n",
        env!("CARGO_PKG_VERSION"),
        escape(&r.overall.headline)
    );
    header(&mut out, r);
    // Incidents first: what may need acting on.
    incidents(&mut out, r);
    probes(&mut out, r);
    alerts(&mut out, r);
    proposals(&mut out, r);
    flags(&mut out, r);
    llm(&mut out, &r.llm);
    gc(&mut out, r);
    runs(&mut out, r);
    let _ = write!(
        out,
        "<footer>Generated by tend at {} from the audit log ({} read, {} from the cache of earlier reports; {} rows, {} lines skipped). Regenerate: <code>tend report --out DIR</code>.</footer>\n</main>\n</body>\n</html>\n",
        escape(&r.generated_at),
        bytes(r.scan.bytes_read),
        bytes(r.scan.bytes_cached),
        r.scan.rows_read,
        r.scan.lines_skipped
    );
    out
}

/// `12.3 MB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// `99.95%`, or `n/a`.
pub fn percent(share: Option<f64>) -> String {
    match share {
        Some(s) if s >= 1.0 => "100%".to_string(),
        Some(s) => format!("{:.2}%", (s * 100.0 * 100.0).floor() / 100.0),
        None => "n/a".to_string(),
    }
}

fn header(out: &mut String, r: &Report) {
    let _ = write!(
        out,
        "<header>\n<h1>tend report</h1>\n<p class=\"muted\">{} to {} ({}, one cell per hour)</p>\n</header>\n\
         <section aria-label=\"Overall state\" class=\"overall {}\"><span class=\"badge {}\">{}</span><span class=\"headline\">{}</span>",
        escape(&r.window.since),
        escape(&r.window.until),
        escape(&r.window.length),
        r.overall.state,
        r.overall.state,
        r.overall.state.to_uppercase(),
        escape(&r.overall.headline),
    );
    let counts: Vec<String> = r
        .overall
        .probes
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    if !counts.is_empty() {
        let _ = write!(
            out,
            "<span class=\"muted\">probes: {}</span>",
            counts.join(", ")
        );
    }
    out.push_str("</section>\n");
}

fn empty(out: &mut String, text: &str) {
    let _ = writeln!(out, "<p class=\"empty\">{}</p>", escape(text));
}

fn probes(out: &mut String, r: &Report) {
    out.push_str("<section>\n<h2 id=\"probes\">Probes</h2>\n");
    if r.probes.is_empty() {
        empty(out, "No probe has run in the window.");
    }
    out.push_str("<div class=\"grid\">\n");
    for p in &r.probes {
        probe(out, p, r);
    }
    out.push_str("</div>\n</section>\n");
}

fn state_badge(state: Option<crate::probe::state::Status>) -> String {
    let cell = Cell::of(state);
    let text = match state {
        Some(s) => s.upper(),
        None => "NO DATA",
    };
    format!("<span class=\"badge {}\">{text}</span>", cell.as_str())
}

fn probe(out: &mut String, p: &ProbeReport, r: &Report) {
    let _ = write!(
        out,
        "<article class=\"card\">\n<div class=\"probe-head\"><h3>{}</h3>{}",
        escape(&p.name),
        state_badge(p.state)
    );
    if let Some(since) = &p.since {
        let _ = write!(out, "<span class=\"muted\">since {}</span>", escape(since));
    }
    out.push_str("</div>\n");
    if !p.summary.is_empty() {
        let _ = writeln!(out, "<p>{}</p>", escape(&p.summary));
    }
    let _ = writeln!(
        out,
        "<div class=\"uptime\"><span>24h <b>{}</b></span><span>7d <b>{}</b></span><span>30d <b>{}</b></span><span class=\"muted\">uptime (OK results)</span></div>",
        percent(p.uptime.day),
        percent(p.uptime.week),
        percent(p.uptime.month)
    );
    strip(out, p, r);
    let latency: Vec<Option<f64>> = p.latency_ms.iter().map(|v| v.map(|v| v as f64)).collect();
    let known: Vec<f64> = latency.iter().flatten().copied().collect();
    if !known.is_empty() {
        let max = p
            .latency_max_ms
            .iter()
            .flatten()
            .max()
            .copied()
            .unwrap_or(0);
        let last = p
            .last_duration_ms
            .map_or("n/a".to_string(), |d| format!("{d} ms"));
        let caption = format!(
            "Latency (duration_ms, hourly mean): mean {:.0} ms over the window, longest {max} ms, last {last}",
            known.iter().sum::<f64>() / known.len() as f64,
        );
        chart(out, &latency, &[], "ms", &caption, r);
    }
    for series in &p.perfdata {
        perf_chart(out, series, r);
    }
    out.push_str("</article>\n");
}

/// Runs of equal cells: (first index, length, cell).
fn runs_of(cells: &[Cell]) -> Vec<(usize, usize, Cell)> {
    let mut runs: Vec<(usize, usize, Cell)> = Vec::new();
    for (i, cell) in cells.iter().enumerate() {
        match runs.last_mut() {
            Some((_, len, c)) if c == cell => *len += 1,
            _ => runs.push((i, 1, *cell)),
        }
    }
    runs
}

fn strip(out: &mut String, p: &ProbeReport, r: &Report) {
    let n = p.strip.len().max(1);
    let count = |c: Cell| p.strip.iter().filter(|x| **x == c).count();
    let label = format!(
        "Hourly status of {} over {} hours: {} OK, {} warning, {} critical, {} unknown, {} without results; the last hour {}.",
        p.name,
        n,
        count(Cell::Ok),
        count(Cell::Warning),
        count(Cell::Critical),
        count(Cell::Unknown),
        count(Cell::None),
        p.strip.last().map_or("none", |c| c.as_str()),
    );
    let _ = write!(
        out,
        "<figure><svg class=\"strip\" viewBox=\"0 0 {n} 10\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"{}\">",
        escape(&label)
    );
    for (start, len, cell) in runs_of(&p.strip) {
        let _ = write!(
            out,
            "<rect class=\"c-{}\" x=\"{start}\" y=\"0\" width=\"{len}\" height=\"10\"/>",
            cell.as_str()
        );
    }
    let _ = writeln!(
        out,
        "</svg><div class=\"axis\"><span>{}</span><span>now</span></div><figcaption>{}</figcaption></figure>",
        escape(short_day(&r.window.since)),
        escape(&label)
    );
}

/// `2026-05-24` of a timestamp.
fn short_day(ts: &str) -> &str {
    ts.get(..10).unwrap_or(ts)
}

/// A boundary of a Nagios threshold range (`10`, `10:`, `~:20`, `@5:10`):
/// the finite ends worth drawing. A bare `N` means 0..N: only N is drawn.
pub fn threshold_lines(range: &str) -> Vec<f64> {
    let range = range.trim().trim_start_matches('@');
    let parse = |s: &str| s.trim().parse::<f64>().ok().filter(|v| v.is_finite());
    match range.split_once(':') {
        None => parse(range).into_iter().collect(),
        Some((start, end)) => {
            let start = if start.trim() == "~" {
                None
            } else {
                parse(start)
            };
            start.into_iter().chain(parse(end)).collect()
        }
    }
}

fn perf_chart(out: &mut String, s: &PerfSeries, r: &Report) {
    let known: Vec<f64> = s.values.iter().flatten().copied().collect();
    let Some(last) = known.last() else { return };
    let mut lines: Vec<(f64, &str)> = Vec::new();
    for (range, class) in [(&s.warn, "warn"), (&s.crit, "crit")] {
        if let Some(range) = range {
            lines.extend(threshold_lines(range).into_iter().map(|v| (v, class)));
        }
    }
    let min = known.iter().copied().fold(f64::INFINITY, f64::min);
    let max = known.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut caption = format!(
        "{} ({}hourly latest value): last {}, lowest {}, highest {}",
        s.label,
        if s.uom.is_empty() {
            String::new()
        } else {
            format!("{}, ", s.uom)
        },
        num(*last),
        num(min),
        num(max)
    );
    if let Some(w) = &s.warn {
        let _ = write!(caption, "; warning at {w}");
    }
    if let Some(c) = &s.crit {
        let _ = write!(caption, "; critical at {c}");
    }
    chart(out, &s.values, &lines, &s.uom, &caption, r);
}

/// A number as people write it: `12`, `0.25`, `1234.5`.
pub fn num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        let text = format!("{v:.3}");
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// A line chart of hourly values with gaps where there are none, and
/// horizontal threshold lines.
fn chart(
    out: &mut String,
    values: &[Option<f64>],
    lines: &[(f64, &str)],
    unit: &str,
    caption: &str,
    r: &Report,
) {
    const H: f64 = 100.0;
    let n = values.len().max(2);
    let all: Vec<f64> = values
        .iter()
        .flatten()
        .copied()
        .chain(lines.iter().map(|(v, _)| *v))
        .collect();
    let mut lo = all.iter().copied().fold(f64::INFINITY, f64::min).min(0.0);
    let mut hi = all.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater) {
        hi = lo + 1.0;
    }
    if !lo.is_finite() {
        lo = 0.0;
    }
    let pad = (hi - lo) * 0.05;
    let top = hi + pad;
    let y = |v: f64| H - (v - lo) / (top - lo) * H;
    let x = |i: usize| i as f64 + 0.5;
    let mut d = String::new();
    let mut pen_down = false;
    for (i, v) in values.iter().enumerate() {
        match v {
            Some(v) => {
                let _ = write!(
                    d,
                    "{}{:.1} {:.2}",
                    if pen_down { "L" } else { "M" },
                    x(i),
                    y(*v)
                );
                // A lone point is drawn as a short dash.
                let lone = !pen_down && values.get(i + 1).is_none_or(|n| n.is_none());
                if lone {
                    let _ = write!(d, "h0.8");
                }
                pen_down = true;
            }
            None => pen_down = false,
        }
    }
    let _ = write!(
        out,
        "<figure><svg class=\"chart\" viewBox=\"0 0 {n} {H}\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"{}\">",
        escape(caption)
    );
    for (v, class) in lines {
        let _ = write!(
            out,
            "<line class=\"{class}\" x1=\"0\" x2=\"{n}\" y1=\"{:.2}\" y2=\"{:.2}\" vector-effect=\"non-scaling-stroke\"/>",
            y(*v),
            y(*v)
        );
    }
    if !d.is_empty() {
        let _ = write!(
            out,
            "<path class=\"line\" d=\"{d}\" vector-effect=\"non-scaling-stroke\"/>"
        );
    }
    let unit = if unit.is_empty() {
        String::new()
    } else {
        format!(" {unit}")
    };
    let _ = writeln!(
        out,
        "</svg><div class=\"axis\"><span>{}</span><span>{} to {}{}</span><span>now</span></div><figcaption>{}</figcaption></figure>",
        escape(short_day(&r.window.since)),
        escape(&num(lo)),
        escape(&num(hi)),
        escape(&unit),
        escape(caption)
    );
}

/// A table with a header; cells are HTML already. `num` marks the columns
/// aligned right.
fn table(out: &mut String, header: &[&str], num: &[usize], rows: &[Vec<String>]) {
    out.push_str("<div class=\"scroll\"><table>\n<thead><tr>");
    for (i, h) in header.iter().enumerate() {
        let class = if num.contains(&i) {
            " class=\"num\""
        } else {
            ""
        };
        let _ = write!(out, "<th{class}>{}</th>", escape(h));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in rows {
        out.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            let class = if num.contains(&i) {
                " class=\"num\""
            } else {
                ""
            };
            let _ = write!(out, "<td{class}>{cell}</td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table></div>\n");
}

fn incidents(out: &mut String, r: &Report) {
    let i = &r.incidents;
    out.push_str("<section>\n<h2 id=\"incidents\">Incidents</h2>\n");
    if i.rows.is_empty() {
        empty(out, "No incident open or resolved in the window.");
    } else {
        let _ = writeln!(
            out,
            "<p>{} open, {} resolved in the window.</p>",
            i.open, i.resolved
        );
        let rows: Vec<Vec<String>> = i
            .rows
            .iter()
            .map(|x| {
                let lasted = escape(&super::model::span(chrono::TimeDelta::seconds(
                    x.duration_s,
                )));
                let state = match &x.resolved_at {
                    None => format!("<b>open</b> for {lasted}"),
                    Some(at) => format!("resolved {} after {lasted}", escape(at)),
                };
                let mut what = escape(&x.title);
                if let Some(d) = &x.diagnosis {
                    let _ = write!(what, "<br><span class=\"muted\">{}</span>", escape(d));
                }
                if let Some(command) = &x.silence_command {
                    let _ = write!(what, "<br>Silence: <code>{}</code>", escape(command));
                }
                let messages = match x.messages {
                    1 => "1 message".to_string(),
                    n => format!("{n} messages"),
                };
                vec![
                    format!(
                        "<span class=\"badge {}\">{}</span> <code title=\"{}\">{}</code>",
                        severity_class(x.severity.as_str()),
                        escape(x.severity.as_str()),
                        escape(&x.incident_id),
                        escape(&x.short_id)
                    ),
                    format!("<code>{}</code>", escape(&x.alert_id)),
                    escape(&x.started_at),
                    format!("{state}<br><span class=\"muted\">{messages}</span>"),
                    what,
                ]
            })
            .collect();
        table(
            out,
            &["Incident", "Alert", "Started", "State", "What"],
            &[],
            &rows,
        );
    }
    if let Some(note) = &i.note {
        let _ = writeln!(out, "<p class=\"muted\">Note: {}.</p>", escape(note));
    }
    out.push_str("</section>\n");
}

fn severity_class(severity: &str) -> &'static str {
    match severity {
        "critical" => "critical",
        "warning" => "warning",
        _ => "unknown",
    }
}

fn alerts(out: &mut String, r: &Report) {
    out.push_str("<section>\n<h2 id=\"alerts\">Alerts and silences</h2>\n");
    if r.alerts.is_empty() {
        empty(out, "No active alert.");
    } else {
        let rows: Vec<Vec<String>> = r
            .alerts
            .iter()
            .map(|a| {
                vec![
                    format!("<code>{}</code>", escape(&a.alert_id)),
                    format!(
                        "<span class=\"badge {}\">{}</span>",
                        severity_class(&a.severity),
                        escape(&a.severity)
                    ),
                    escape(&a.title),
                    escape(&a.status),
                    escape(&a.first_seen),
                ]
            })
            .collect();
        table(
            out,
            &["Alert", "Severity", "Title", "Notified", "Since"],
            &[],
            &rows,
        );
    }
    if r.silences.is_empty() {
        empty(out, "No silence in force.");
    } else {
        let rows: Vec<Vec<String>> = r
            .silences
            .iter()
            .map(|s| {
                vec![
                    format!("<code>{}</code>", escape(&s.id)),
                    format!("<code>{}</code>", escape(&s.matchers)),
                    escape(&s.ends_at),
                    escape(&s.reason),
                    escape(&s.created_by),
                ]
            })
            .collect();
        table(
            out,
            &["Silence", "Matches", "Ends", "Reason", "By"],
            &[],
            &rows,
        );
    }
    out.push_str("</section>\n");
}

fn proposals(out: &mut String, r: &Report) {
    out.push_str("<section>\n<h2 id=\"proposals\">Pending proposals</h2>\n");
    if r.proposals.is_empty() {
        empty(out, "No proposal waiting for review.");
    } else {
        let rows: Vec<Vec<String>> = r
            .proposals
            .iter()
            .map(|p| {
                vec![
                    format!("<code>{}</code>", escape(&p.proposal_id)),
                    escape(&p.lp),
                    escape(&p.subject),
                    escape(&p.created_at),
                    format!(
                        "<code>{}</code><br><code>{}</code>",
                        escape(&p.approve),
                        escape(&p.reject)
                    ),
                ]
            })
            .collect();
        table(
            out,
            &["Proposal", "Loop", "Subject", "Made", "Decide"],
            &[],
            &rows,
        );
    }
    out.push_str("</section>\n");
}

fn flags(out: &mut String, r: &Report) {
    let f = &r.watcher_flags;
    out.push_str("<section>\n<h2 id=\"watchers\">Watcher flags</h2>\n");
    if f.total == 0 {
        empty(out, "No entity flagged in the window.");
        out.push_str("</section>\n");
        return;
    }
    let per: Vec<String> = f
        .by_watcher
        .iter()
        .map(|(w, n)| format!("{} <b>{n}</b>", escape(w)))
        .collect();
    let _ = writeln!(
        out,
        "<p>{} flags in the window: {}.</p>",
        f.total,
        per.join(", ")
    );
    let rows: Vec<Vec<String>> = f
        .recent
        .iter()
        .map(|x| {
            vec![
                escape(&x.ts),
                escape(&x.watcher),
                format!("<code>{}</code>", escape(&x.entity_id)),
                escape(&x.choice),
                escape(&x.context),
            ]
        })
        .collect();
    table(
        out,
        &["Flagged", "Watcher", "Entity", "Choice", "Context"],
        &[],
        &rows,
    );
    out.push_str("</section>\n");
}

/// A colour per route, cycling through a fixed palette.
const PALETTE: [&str; 8] = [
    "#2f6fb5", "#e07b39", "#3aa17e", "#b04f9a", "#8f7f1f", "#5b6bd6", "#c2453d", "#4a9bb3",
];

fn usd(v: f64) -> String {
    if v != 0.0 && v.abs() < 0.01 {
        format!("${v:.4}")
    } else {
        format!("${v:.2}")
    }
}

fn llm(out: &mut String, l: &Llm) {
    out.push_str("<section>\n<h2 id=\"llm\">LLM spend</h2>\n");
    if l.calls == 0 {
        empty(out, "No LLM call recorded in the window.");
        out.push_str("</section>\n");
        return;
    }
    let _ = writeln!(
        out,
        "<p>{} over {} calls ({} input and {} output tokens); daily budget {}.</p>",
        usd(l.cost_usd),
        l.calls,
        l.input_tokens,
        l.output_tokens,
        usd(l.budget_usd)
    );
    const H: f64 = 100.0;
    let n = l.days.len().max(1);
    let peak = l
        .days
        .iter()
        .map(|d| d.cost_usd)
        .fold(l.budget_usd, f64::max)
        .max(1e-9)
        * 1.08;
    let y = |v: f64| H - v / peak * H;
    let over: Vec<&str> = l
        .days
        .iter()
        .filter(|d| d.over_budget)
        .map(|d| d.day.as_str())
        .collect();
    let label = format!(
        "Daily LLM spend per route, stacked, over {n} days against a budget of {} a day; {}.",
        usd(l.budget_usd),
        if over.is_empty() {
            "no day over budget".to_string()
        } else {
            format!("over budget on {}", over.join(", "))
        }
    );
    let _ = write!(
        out,
        "<figure><svg class=\"bars\" viewBox=\"0 0 {} {H}\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"{}\">",
        n * 10,
        escape(&label)
    );
    for (i, day) in l.days.iter().enumerate() {
        let mut base = 0.0;
        for (r, route) in l.routes.iter().enumerate() {
            let Some(v) = day
                .routes
                .get(route)
                .map(|d| d.cost_usd)
                .filter(|v| *v > 0.0)
            else {
                continue;
            };
            let _ = write!(
                out,
                "<rect x=\"{}\" y=\"{:.3}\" width=\"8\" height=\"{:.3}\" fill=\"{}\"/>",
                i * 10 + 1,
                y(base + v),
                y(base) - y(base + v),
                PALETTE[r % PALETTE.len()]
            );
            base += v;
        }
    }
    let _ = write!(
        out,
        "<line class=\"budget\" x1=\"0\" x2=\"{}\" y1=\"{:.3}\" y2=\"{:.3}\" vector-effect=\"non-scaling-stroke\"/>",
        n * 10,
        y(l.budget_usd),
        y(l.budget_usd)
    );
    let _ = write!(
        out,
        "</svg><div class=\"axis\"><span>{}</span><span>0 to {}</span><span>{}</span></div>",
        escape(l.days.first().map_or("", |d| d.day.as_str())),
        usd(peak / 1.08),
        escape(l.days.last().map_or("", |d| d.day.as_str())),
    );
    out.push_str("<div class=\"legend\">");
    for (r, route) in l.routes.iter().enumerate() {
        let _ = write!(
            out,
            "<span><span class=\"swatch\" style=\"background:{}\"></span>{}</span>",
            PALETTE[r % PALETTE.len()],
            escape(route)
        );
    }
    let _ = writeln!(
        out,
        "<span><span class=\"swatch\" style=\"background:var(--budget)\"></span>daily budget</span></div><figcaption>{}</figcaption></figure>",
        escape(&label)
    );
    // The figures behind the chart, per route over the window.
    let mut rows = Vec::new();
    for route in &l.routes {
        let (mut calls, mut cost, mut input, mut output) = (0u64, 0.0f64, 0u64, 0u64);
        for d in l.days.iter().filter_map(|d| d.routes.get(route)) {
            calls += d.calls;
            cost += d.cost_usd;
            input += d.input_tokens;
            output += d.output_tokens;
        }
        rows.push(vec![
            escape(route),
            calls.to_string(),
            usd(cost),
            input.to_string(),
            output.to_string(),
        ]);
    }
    table(
        out,
        &["Route", "Calls", "Cost", "Input tokens", "Output tokens"],
        &[1, 2, 3, 4],
        &rows,
    );
    out.push_str("<details><summary>Spend per day</summary>\n");
    let rows: Vec<Vec<String>> = l
        .days
        .iter()
        .filter(|d| !d.routes.is_empty())
        .map(|d| {
            vec![
                escape(&d.day),
                usd(d.cost_usd),
                if d.over_budget {
                    "over budget".to_string()
                } else {
                    String::new()
                },
            ]
        })
        .collect();
    table(out, &["Day", "Cost", ""], &[1], &rows);
    out.push_str("</details>\n</section>\n");
}

fn gc(out: &mut String, r: &Report) {
    out.push_str("<section>\n<h2 id=\"gc\">Garbage collection</h2>\n");
    let days: Vec<_> =
        r.gc.iter()
            .filter(|d| d.checkpoints > 0 || d.segments > 0)
            .collect();
    if days.is_empty() {
        empty(out, "Nothing removed in the window.");
    } else {
        let rows: Vec<Vec<String>> = days
            .iter()
            .map(|d| {
                vec![
                    escape(&d.day),
                    d.checkpoints.to_string(),
                    bytes(d.checkpoint_bytes),
                    d.segments.to_string(),
                    bytes(d.segment_bytes),
                ]
            })
            .collect();
        table(
            out,
            &[
                "Day",
                "Checkpoints",
                "Their bytes",
                "Audit segments",
                "Their bytes",
            ],
            &[1, 2, 3, 4],
            &rows,
        );
    }
    out.push_str("</section>\n");
}

fn runs(out: &mut String, r: &Report) {
    out.push_str("<section>\n<h2 id=\"runs\">tend's own runs</h2>\n");
    if r.runs.is_empty() {
        empty(out, "No command has run yet.");
    } else {
        let rows: Vec<Vec<String>> = r
            .runs
            .iter()
            .map(|c| {
                let schedule = match (&c.expect, c.overdue) {
                    (Some(e), true) => format!(
                        "<span class=\"badge critical\">OVERDUE</span> every {}",
                        escape(e)
                    ),
                    (Some(e), false) => format!("on time (every {})", escape(e)),
                    (None, _) => String::new(),
                };
                vec![
                    escape(&c.command),
                    c.last_started
                        .as_deref()
                        .map_or("never".to_string(), escape),
                    c.outcome.as_deref().map_or(String::new(), escape),
                    c.duration_ms.map_or(String::new(), |d| format!("{d} ms")),
                    schedule,
                ]
            })
            .collect();
        table(
            out,
            &["Command", "Last run", "Outcome", "Took", "Schedule"],
            &[3],
            &rows,
        );
    }
    out.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_for_elements_and_attributes() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(escape("bell\u{7}"), "bell\\u{0007}");
    }

    #[test]
    fn threshold_ranges_give_their_finite_ends() {
        assert_eq!(threshold_lines("10"), [10.0]);
        assert_eq!(threshold_lines("10:"), [10.0]);
        assert_eq!(threshold_lines("~:20"), [20.0]);
        assert_eq!(threshold_lines("@5:10"), [5.0, 10.0]);
        assert_eq!(threshold_lines("x"), Vec::<f64>::new());
    }

    #[test]
    fn runs_of_cells_cover_the_strip() {
        let cells = [
            Cell::Ok,
            Cell::Ok,
            Cell::None,
            Cell::Critical,
            Cell::Critical,
        ];
        assert_eq!(
            runs_of(&cells),
            [(0, 2, Cell::Ok), (2, 1, Cell::None), (3, 2, Cell::Critical)]
        );
    }

    #[test]
    fn percentages_round_down_so_that_100_means_every_result() {
        assert_eq!(percent(Some(1.0)), "100%");
        assert_eq!(percent(Some(0.99999)), "99.99%");
        assert_eq!(percent(None), "n/a");
        assert_eq!(bytes(999), "999 B");
        assert_eq!(bytes(1_500_000), "1.5 MB");
        assert_eq!(num(2.0), "2");
        assert_eq!(num(0.25), "0.25");
    }
}
