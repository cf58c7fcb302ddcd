//! The report for a terminal (design §13): the same facts as the page, with
//! Unicode sparklines and status strips fitted to the width; colour only on
//! a terminal and never with `NO_COLOR`. The strips read without colour too:
//! each status has its own character. Pure but for [`Style::for_stdout`].

use std::fmt::Write as _;

use super::html::{bytes, num, percent};
use super::model::{Cell, Report};
use crate::terminal::{escape_field, table};

/// The width used when standard output is not a terminal (a pipe, a file).
pub const PIPE_WIDTH: usize = 100;

/// How the report is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    pub width: usize,
    pub colour: bool,
    /// Standard output is a terminal: tables are cut to the width.
    pub terminal: bool,
}

impl Style {
    /// No colour, at `width`.
    pub fn plain(width: usize) -> Style {
        Style {
            width: width.max(40),
            colour: false,
            terminal: false,
        }
    }

    /// For standard output: its width and colour on a terminal, colour off
    /// when `NO_COLOR` is set to anything but the empty string.
    pub fn for_stdout() -> Style {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        match crate::terminal::stdout_width() {
            Some(width) => Style {
                width: width.max(40),
                colour: !no_color,
                terminal: true,
            },
            None => Style::plain(PIPE_WIDTH),
        }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn table_width(&self) -> Option<usize> {
        self.terminal.then_some(self.width)
    }
}

fn code(cell: Cell) -> &'static str {
    match cell {
        Cell::Ok => "32",
        Cell::Warning => "33",
        Cell::Critical => "31",
        Cell::Unknown => "35",
        Cell::None => "2",
    }
}

/// The character of a status cell: distinct without colour.
fn glyph(cell: Cell) -> char {
    match cell {
        Cell::Ok => '▁',
        Cell::Warning => '▅',
        Cell::Critical => '█',
        Cell::Unknown => '░',
        Cell::None => '·',
    }
}

fn badness(cell: Cell) -> u8 {
    match cell {
        Cell::None => 0,
        Cell::Ok => 1,
        Cell::Unknown => 2,
        Cell::Warning => 3,
        Cell::Critical => 4,
    }
}

/// `items` cut into `width` consecutive groups of nearly equal size (the
/// last ones the most recent), each folded with `fold`.
fn fit<T: Copy, U>(items: &[T], width: usize, fold: impl Fn(&[T]) -> U) -> Vec<U> {
    let n = items.len();
    let width = width.min(n).max(1);
    (0..width)
        .map(|i| {
            let start = i * n / width;
            let end = ((i + 1) * n / width).max(start + 1).min(n);
            fold(&items[start..end])
        })
        .collect()
}

/// A status strip of `width` characters: each the worst of its hours.
pub fn strip(cells: &[Cell], width: usize, style: &Style) -> String {
    if cells.is_empty() {
        return String::new();
    }
    let folded = fit(cells, width, |g| {
        g.iter()
            .copied()
            .max_by_key(|c| badness(*c))
            .unwrap_or(Cell::None)
    });
    let mut out = String::new();
    let mut i = 0;
    // One escape per run of equal cells.
    while i < folded.len() {
        let cell = folded[i];
        let run = folded[i..].iter().take_while(|c| **c == cell).count();
        let text: String = std::iter::repeat_n(glyph(cell), run).collect();
        out.push_str(&style.paint(code(cell), &text));
        i += run;
    }
    out
}

const SPARKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// A sparkline of `width` characters (each the mean of its values; a blank
/// where there are none), scaled from the lowest to the highest value.
pub fn sparkline(values: &[Option<f64>], width: usize) -> String {
    let folded: Vec<Option<f64>> = fit(values, width, |g| {
        let known: Vec<f64> = g.iter().flatten().copied().collect();
        (!known.is_empty()).then(|| known.iter().sum::<f64>() / known.len() as f64)
    });
    let lo = folded
        .iter()
        .flatten()
        .copied()
        .fold(f64::INFINITY, f64::min);
    let hi = folded
        .iter()
        .flatten()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    folded
        .iter()
        .map(|v| match v {
            None => ' ',
            Some(_) if hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater) => SPARKS[3],
            Some(v) => {
                let at = ((v - lo) / (hi - lo) * 7.0).round() as usize;
                SPARKS[at.min(7)]
            }
        })
        .collect()
}

fn heading(out: &mut String, style: &Style, title: &str) {
    let _ = write!(out, "\n{}\n", style.paint("1", title));
}

pub fn render(r: &Report, style: Style) -> String {
    let mut out = String::new();
    let state_cell = match r.overall.state {
        "ok" => Cell::Ok,
        "critical" => Cell::Critical,
        _ => Cell::Warning,
    };
    let _ = writeln!(
        out,
        "{} {}  {}",
        style.paint("1", "tend report"),
        style.paint(code(state_cell), &r.overall.state.to_uppercase()),
        escape_field(&r.overall.headline)
    );
    let _ = writeln!(
        out,
        "{} to {} ({}; strips: {} ok {} warning {} critical {} unknown {} no data)",
        r.window.since,
        r.window.until,
        r.window.length,
        glyph(Cell::Ok),
        glyph(Cell::Warning),
        glyph(Cell::Critical),
        glyph(Cell::Unknown),
        glyph(Cell::None)
    );
    incidents(&mut out, r, &style);
    probes(&mut out, r, &style);
    lists(&mut out, r, &style);
    llm(&mut out, r, &style);
    rest(&mut out, r, &style);
    out
}

fn probes(out: &mut String, r: &Report, style: &Style) {
    heading(out, style, "Probes");
    if r.probes.is_empty() {
        out.push_str("no probe has run in the window\n");
    }
    // `  latency ` before each line of cells.
    let indent = 11;
    let cells = style.width.saturating_sub(indent).max(10);
    for p in &r.probes {
        let state = Cell::of(p.state);
        let state_text = p.state.map_or("NO DATA", |s| s.upper());
        let _ = writeln!(
            out,
            "{} {}  24h {}  7d {}  30d {}",
            style.paint("1", &escape_field(&p.name)),
            style.paint(code(state), state_text),
            percent(p.uptime.day),
            percent(p.uptime.week),
            percent(p.uptime.month)
        );
        if !p.summary.is_empty() {
            let summary = crate::terminal::cut(&p.summary, style.width.saturating_sub(2));
            let _ = writeln!(out, "  {}", escape_field(&summary));
        }
        let _ = writeln!(out, "  status   {}", strip(&p.strip, cells, style));
        let latency: Vec<Option<f64>> = p.latency_ms.iter().map(|v| v.map(|v| v as f64)).collect();
        if latency.iter().any(Option::is_some) {
            let max = p
                .latency_max_ms
                .iter()
                .flatten()
                .max()
                .copied()
                .unwrap_or(0);
            let line = sparkline(&latency, cells.saturating_sub(14));
            let _ = writeln!(out, "  latency  {line} max {max} ms");
        }
        for s in &p.perfdata {
            let known: Vec<f64> = s.values.iter().flatten().copied().collect();
            let Some(last) = known.last() else { continue };
            let mut tail = format!("{}{}", num(*last), s.uom);
            if let Some(w) = &s.warn {
                let _ = write!(tail, " w {w}");
            }
            if let Some(c) = &s.crit {
                let _ = write!(tail, " c {c}");
            }
            let tail = escape_field(&tail).into_owned();
            let label = crate::terminal::cut(&s.label, 8);
            let line = sparkline(
                &s.values,
                cells.saturating_sub(tail.chars().count() + 1).max(5),
            );
            let _ = writeln!(out, "  {:<8} {line} {tail}", escape_field(&label));
        }
    }
}

fn section_table(
    out: &mut String,
    style: &Style,
    title: &str,
    none: &str,
    header: &[&str],
    rows: Vec<Vec<String>>,
) {
    heading(out, style, title);
    if rows.is_empty() {
        let _ = writeln!(out, "{none}");
    } else {
        out.push_str(&table(header, &rows, style.table_width()));
    }
}

fn e(text: &str) -> String {
    escape_field(text).into_owned()
}

/// Open incidents and those resolved in the window, with the commands that
/// silence the open ones: first, as what may need acting on.
fn incidents(out: &mut String, r: &Report, style: &Style) {
    let rows = r
        .incidents
        .rows
        .iter()
        .map(|i| {
            let lasted = super::model::span(chrono::TimeDelta::seconds(i.duration_s));
            vec![
                i.short_id.clone(),
                i.severity.as_str().to_string(),
                e(&i.alert_id),
                e(&i.started_at),
                match &i.resolved_at {
                    None => format!("open {lasted}"),
                    Some(at) => format!("resolved {} after {lasted}", e(at)),
                },
                i.diagnosis.as_deref().map_or_else(|| e(&i.title), e),
            ]
        })
        .collect();
    section_table(
        out,
        style,
        "Incidents",
        "no incident open or resolved in the window",
        &["INCIDENT", "SEVERITY", "ALERT", "STARTED", "STATE", "WHAT"],
        rows,
    );
    for i in r.incidents.rows.iter() {
        if let Some(command) = &i.silence_command {
            let _ = writeln!(out, "  silence {}: {}", i.short_id, e(command));
        }
    }
    if let Some(note) = &r.incidents.note {
        let _ = writeln!(out, "  note: {note}");
    }
}

fn lists(out: &mut String, r: &Report, style: &Style) {
    let rows = r
        .alerts
        .iter()
        .map(|a| {
            vec![
                e(&a.alert_id),
                e(&a.severity),
                e(&a.status),
                e(&a.first_seen),
                e(&a.title),
            ]
        })
        .collect();
    section_table(
        out,
        style,
        "Active alerts",
        "no active alert",
        &["ALERT", "SEVERITY", "NOTIFIED", "SINCE", "TITLE"],
        rows,
    );
    let rows = r
        .silences
        .iter()
        .map(|s| vec![e(&s.id), e(&s.ends_at), e(&s.matchers), e(&s.reason)])
        .collect();
    section_table(
        out,
        style,
        "Silences",
        "no silence in force",
        &["SILENCE", "ENDS", "MATCHES", "REASON"],
        rows,
    );
    heading(out, style, "Pending proposals");
    if r.proposals.is_empty() {
        out.push_str("no proposal waiting for review\n");
    }
    for p in &r.proposals {
        let _ = writeln!(
            out,
            "{}  {}  {}  made {}\n  {}\n  {}",
            e(&p.proposal_id),
            e(&p.lp),
            e(&p.subject),
            e(&p.created_at),
            e(&p.approve),
            e(&p.reject)
        );
    }
    let f = &r.watcher_flags;
    heading(out, style, "Watcher flags");
    if f.total == 0 {
        out.push_str("no entity flagged in the window\n");
    } else {
        let per: Vec<String> = f
            .by_watcher
            .iter()
            .map(|(w, n)| format!("{} {n}", e(w)))
            .collect();
        let _ = writeln!(out, "{} flags: {}", f.total, per.join(", "));
        let rows: Vec<Vec<String>> = f
            .recent
            .iter()
            .map(|x| {
                vec![
                    e(&x.ts),
                    e(&x.watcher),
                    e(&x.entity_id),
                    e(&x.choice),
                    e(&x.context),
                ]
            })
            .collect();
        out.push_str(&table(
            &["FLAGGED", "WATCHER", "ENTITY", "CHOICE", "CONTEXT"],
            &rows,
            style.table_width(),
        ));
    }
}

fn llm(out: &mut String, r: &Report, style: &Style) {
    let l = &r.llm;
    heading(out, style, "LLM spend");
    if l.calls == 0 {
        out.push_str("no LLM call recorded in the window\n");
        return;
    }
    let daily: Vec<Option<f64>> = l.days.iter().map(|d| Some(d.cost_usd)).collect();
    let over = l.days.iter().filter(|d| d.over_budget).count();
    let _ = writeln!(
        out,
        "${:.2} over {} calls ({} in / {} out tokens); budget ${:.2} a day, {} over",
        l.cost_usd,
        l.calls,
        l.input_tokens,
        l.output_tokens,
        l.budget_usd,
        match over {
            0 => "no day".to_string(),
            1 => "1 day".to_string(),
            n => format!("{n} days"),
        }
    );
    let width = style.width.saturating_sub(11).max(10);
    let _ = writeln!(out, "  per day  {}", sparkline(&daily, width));
    let rows: Vec<Vec<String>> = l
        .routes
        .iter()
        .map(|route| {
            let days: Vec<_> = l.days.iter().filter_map(|d| d.routes.get(route)).collect();
            vec![
                e(route),
                days.iter().map(|d| d.calls).sum::<u64>().to_string(),
                format!("${:.4}", days.iter().map(|d| d.cost_usd).sum::<f64>()),
                days.iter().map(|d| d.input_tokens).sum::<u64>().to_string(),
                days.iter()
                    .map(|d| d.output_tokens)
                    .sum::<u64>()
                    .to_string(),
            ]
        })
        .collect();
    out.push_str(&table(
        &["ROUTE", "CALLS", "COST", "IN TOKENS", "OUT TOKENS"],
        &rows,
        style.table_width(),
    ));
}

fn rest(out: &mut String, r: &Report, style: &Style) {
    let rows =
        r.gc.iter()
            .filter(|d| d.checkpoints > 0 || d.segments > 0)
            .map(|d| {
                vec![
                    d.day.clone(),
                    d.checkpoints.to_string(),
                    bytes(d.checkpoint_bytes),
                    d.segments.to_string(),
                    bytes(d.segment_bytes),
                ]
            })
            .collect();
    section_table(
        out,
        style,
        "Garbage collection",
        "nothing removed in the window",
        &["DAY", "CHECKPOINTS", "BYTES", "SEGMENTS", "BYTES"],
        rows,
    );
    let rows = r
        .runs
        .iter()
        .map(|c| {
            let schedule = match (&c.expect, c.overdue) {
                (Some(x), true) => style.paint("31", &format!("OVERDUE (every {x})")),
                (Some(x), false) => format!("on time (every {x})"),
                (None, _) => String::new(),
            };
            vec![
                e(&c.command),
                c.last_started
                    .clone()
                    .unwrap_or_else(|| "never".to_string()),
                c.outcome.clone().unwrap_or_default(),
                schedule,
            ]
        })
        .collect();
    section_table(
        out,
        style,
        "tend's own runs",
        "no command has run yet",
        &["COMMAND", "LAST RUN", "OUTCOME", "SCHEDULE"],
        rows,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_fold_hours_into_the_width_keeping_the_worst() {
        let plain = Style::plain(40);
        let cells = [
            Cell::Ok,
            Cell::Critical,
            Cell::Ok,
            Cell::Ok,
            Cell::None,
            Cell::Warning,
        ];
        assert_eq!(strip(&cells, 3, &plain), "█▁▅");
        assert_eq!(strip(&cells, 10, &plain), "▁█▁▁·▅");
        let coloured = Style {
            colour: true,
            ..plain
        };
        assert_eq!(
            strip(&[Cell::Ok, Cell::Ok, Cell::Critical], 3, &coloured),
            "\x1b[32m▁▁\x1b[0m\x1b[31m█\x1b[0m"
        );
    }

    #[test]
    fn sparklines_scale_from_lowest_to_highest_with_gaps() {
        assert_eq!(
            sparkline(&[Some(1.0), None, Some(8.0), Some(4.5)], 4),
            "▁ █▅"
        );
        assert_eq!(sparkline(&[Some(3.0), Some(3.0)], 2), "▄▄");
        assert_eq!(
            sparkline(&[Some(1.0), Some(3.0), Some(5.0), Some(7.0)], 2),
            "▁█"
        );
    }
}
