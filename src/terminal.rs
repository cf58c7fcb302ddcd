//! Text from outside on a terminal (design §10): probe output, alert annotations
//! and server answers may carry terminal escape sequences, NULs or bidirectional
//! overrides. Human output escapes them, so what an operator reads is what the
//! bytes say and nothing rewrites their screen; and a command `tend` suggests is
//! shell-quoted, so it can be pasted safely whatever the id in it.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Characters that reorder text on screen (Trojan Source): shown escaped.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

/// What stays as it is: newlines and tabs (multi-line text), tabs only (a
/// line), or neither (a table cell).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Keep {
    NewlinesAndTabs,
    Tabs,
    Nothing,
}

fn needs_escape(c: char, keep: Keep) -> bool {
    match c {
        '\n' => keep != Keep::NewlinesAndTabs,
        '\t' => keep == Keep::Nothing,
        c => c.is_control() || is_bidi_control(c),
    }
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\t' => out.push_str("\\t"),
        c if (c as u32) < 0x80 => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\u{{{:04x}}}", c as u32);
        }
    }
}

fn escape(text: &str, keep: Keep) -> Cow<'_, str> {
    if !text.chars().any(|c| needs_escape(c, keep)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs_escape(c, keep) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `text` with every control character (ESC, NUL, CR, C1 codes …) and
/// bidirectional override escaped as `\x1b`, `\u{202e}`; newlines and tabs
/// stay, for multi-line text.
pub fn escape_control(text: &str) -> Cow<'_, str> {
    escape(text, Keep::NewlinesAndTabs)
}

/// [`escape_control`] for a line of output (a warning, a `-v` item, a
/// summary): newlines and carriage returns are escaped too, so text from
/// outside (an entity id, a file name) cannot forge a line in cron mail.
pub fn escape_line(text: &str) -> Cow<'_, str> {
    escape(text, Keep::Tabs)
}

/// [`escape_control`] for one field of a one-line record (a table cell):
/// newlines and tabs are escaped too, so a value cannot forge a line.
pub fn escape_field(text: &str) -> Cow<'_, str> {
    escape(text, Keep::Nothing)
}

/// [`escape_control`] on bytes about to be printed. Invalid UTF-8 passes
/// through untouched; only control characters and bidi overrides change.
pub fn escape_control_bytes(bytes: &[u8]) -> Cow<'_, [u8]> {
    let clean = match std::str::from_utf8(bytes) {
        Ok(text) => {
            return match escape_control(text) {
                Cow::Borrowed(_) => Cow::Borrowed(bytes),
                Cow::Owned(s) => Cow::Owned(s.into_bytes()),
            };
        }
        Err(_) => bytes
            .iter()
            .all(|&b| b >= 0x20 && b != 0x7f || b == b'\n' || b == b'\t'),
    };
    if clean {
        return Cow::Borrowed(bytes);
    }
    // Not UTF-8: escape single-byte controls, pass the rest.
    let mut out = Vec::with_capacity(bytes.len() + 8);
    for &b in bytes {
        if (b < 0x20 && b != b'\n' && b != b'\t') || b == 0x7f {
            out.extend_from_slice(format!("\\x{b:02x}").as_bytes());
        } else {
            out.push(b);
        }
    }
    Cow::Owned(out)
}

/// One shell word that a POSIX shell (and bash, zsh, fish) reads back as
/// exactly `word`: as is when it holds only safe characters, else in single
/// quotes (`'` written `'\''`); a word with control characters uses `$'…'`
/// quoting with escapes, so the pasted command stays on one line.
pub fn shell_quote(word: &str) -> Cow<'_, str> {
    let safe = |c: char| c.is_ascii_alphanumeric() || "_-.,:/=@%+".contains(c);
    if !word.is_empty() && word.chars().all(safe) {
        return Cow::Borrowed(word);
    }
    if word.chars().any(|c| c.is_control() || is_bidi_control(c)) {
        let mut out = String::from("$'");
        for c in word.chars() {
            match c {
                '\'' => out.push_str("\\'"),
                '\\' => out.push_str("\\\\"),
                c if c.is_control() || is_bidi_control(c) => {
                    let mut utf8 = [0u8; 4];
                    for b in c.encode_utf8(&mut utf8).bytes() {
                        let _ = write!(out, "\\x{b:02x}");
                    }
                }
                c => out.push(c),
            }
        }
        out.push('\'');
        return Cow::Owned(out);
    }
    Cow::Owned(format!("'{}'", word.replace('\'', "'\\''")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_clean_text_borrowed() {
        let cases = [
            ("plain text · ✅", "plain text · ✅"),
            ("a\x1b[2Jb", "a\\x1b[2Jb"),
            ("nul\0here", "nul\\x00here"),
            ("cr\rover", "cr\\x0dover"),
            ("del\x7f", "del\\x7f"),
            ("c1\u{9b}31m", "c1\\u{009b}31m"),
            ("rtl\u{202e}txt", "rtl\\u{202e}txt"),
            ("two\nlines\tand tab", "two\nlines\tand tab"),
            ("", ""),
        ];
        for (input, want) in cases {
            assert_eq!(escape_control(input), want, "{input:?}");
        }
        assert!(matches!(escape_control("clean"), Cow::Borrowed(_)));
    }

    #[test]
    fn a_line_keeps_its_tabs_and_escapes_newlines_and_returns() {
        assert_eq!(escape_line("a\nb\rc\td\0"), "a\\nb\\x0dc\td\\x00");
        assert!(matches!(escape_line("a\tb"), Cow::Borrowed(_)));
    }

    #[test]
    fn tables_align_on_display_width() {
        let rows = vec![
            vec!["cafe\u{301}".to_string(), "x".to_string()],
            vec!["日本".to_string(), "y".to_string()],
            vec![escape_field("a\u{202e}b").into_owned(), "z".to_string()],
            vec!["plain".to_string(), "w".to_string()],
        ];
        let text = table(&["NAME", "V"], &rows, None);
        // The second column starts at the same column on every line.
        let starts: Vec<usize> = text
            .lines()
            .map(|l| {
                let (first, _) = l.rsplit_once("  ").unwrap();
                display_width(first) + 2
            })
            .collect();
        assert!(starts.windows(2).all(|w| w[0] == w[1]), "{text}");
        assert_eq!(cut("日本語", 4), "日…");
        assert_eq!(cut("cafe\u{301}s", 5), "cafe\u{301}s");
        assert_eq!(display_width("cafe\u{301}"), 4);
    }

    #[test]
    fn a_field_cannot_forge_a_line() {
        assert_eq!(escape_field("a\nb\tc\0"), "a\\nb\\tc\\x00");
        assert_eq!(escape_field("ok"), "ok");
    }

    #[test]
    fn bytes_are_escaped_even_when_not_utf8() {
        assert_eq!(&*escape_control_bytes(b"ok\n"), b"ok\n");
        assert!(matches!(escape_control_bytes(b"ok\n"), Cow::Borrowed(_)));
        assert_eq!(&*escape_control_bytes(b"x\x1b[0m\n"), b"x\\x1b[0m\n");
        assert_eq!(&*escape_control_bytes(b"\xff\x00z"), b"\xff\\x00z");
        assert!(matches!(escape_control_bytes(b"\xffz"), Cow::Borrowed(_)));
    }

    #[test]
    fn shell_quoting_round_trips_through_a_real_shell() {
        let words = [
            "id=probe:fly:machine_down",
            "id=x; touch /tmp/PWNED #",
            "it's",
            "$(reboot)",
            "`id`",
            "",
            "a\nb",
            "esc\x1b[31m'q'",
        ];
        for word in words {
            let quoted = shell_quote(word);
            // bash reads `$'…'`; printf %s prints the word back exactly.
            let out = std::process::Command::new("bash")
                .arg("-c")
                .arg(format!("printf %s {quoted}"))
                .output()
                .unwrap();
            assert_eq!(String::from_utf8_lossy(&out.stdout), word, "{quoted}");
            assert!(!quoted.contains('\n'), "{quoted}");
        }
        assert_eq!(shell_quote("id=abc"), "id=abc");
        assert_eq!(
            shell_quote("id=x; touch /tmp/PWNED #"),
            "'id=x; touch /tmp/PWNED #'"
        );
    }
}

/// What a mistyped `word` (a subcommand, a configuration key) most likely
/// meant, for a "did you mean" hint: the candidate closest by edit distance
/// (two swapped neighbours count as one edit) within a third of the word's
/// length (at least one edit), else the one candidate the word begins.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let word = word.to_lowercase();
    let candidates: Vec<&str> = candidates.into_iter().collect();
    let within = (word.chars().count() / 3).max(1);
    let by_distance = candidates
        .iter()
        .map(|c| (edit_distance(&word, &c.to_lowercase()), *c))
        .filter(|(d, _)| *d <= within)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c);
    if by_distance.is_some() {
        return by_distance;
    }
    let mut prefixed = candidates
        .iter()
        .filter(|c| word.chars().count() >= 3 && c.to_lowercase().starts_with(&word));
    match (prefixed.next(), prefixed.next()) {
        (Some(only), None) => Some(only),
        _ => None,
    }
}

/// The optimal string alignment distance: insertions, deletions,
/// substitutions and swaps of two neighbours, each one edit.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    rows[0] = (0..=b.len()).collect();
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = d;
        }
    }
    rows[a.len()][b.len()]
}

/// The width of the terminal standard output is, or None when it is not a
/// terminal (a pipe, a file, cron's mail): then tables are not cut.
pub fn stdout_width() -> Option<usize> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() {
        return None;
    }
    let from_env = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|w| *w > 0);
    from_env.or_else(|| {
        let (terminal_size::Width(columns), _) =
            terminal_size::terminal_size_of(std::io::stdout())?;
        (columns > 0).then_some(usize::from(columns))
    })
}

/// The most characters of a column other than the last on a terminal.
pub const TABLE_CELL_MAX: usize = 40;

/// The columns `text` takes on a terminal: a wide character (CJK, most
/// emoji) takes two, a combining mark none (`cafe` + U+0301 is 4 columns,
/// 5 characters). Text must be escaped already (a control character has no
/// width of its own).
pub fn display_width(text: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(text)
}

/// `text` cut to at most `width` columns, the last one `…` when cut.
pub fn cut(text: &str, width: usize) -> Cow<'_, str> {
    if display_width(text) <= width {
        return Cow::Borrowed(text);
    }
    let room = width.saturating_sub(1);
    let mut kept = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > room {
            break;
        }
        used += w;
        kept.push(c);
    }
    kept.push('…');
    Cow::Owned(kept)
}

/// `text` followed by spaces up to `width` columns.
pub fn pad(text: &str, width: usize) -> String {
    let mut out = text.to_string();
    out.extend(std::iter::repeat_n(
        ' ',
        width.saturating_sub(display_width(text)),
    ));
    out
}

/// `rows` under `header` as columns sized to their content (in display
/// columns, [`display_width`]), two spaces apart, the last column unpadded.
/// Cells must be escaped already ([`escape_field`]). On a terminal (`width`
/// given) a column holds at most [`TABLE_CELL_MAX`] columns and the last one is cut so that each line fits the width
/// (keeping at least 10 characters of it); a cut cell ends with `…`.
pub fn table(header: &[&str], rows: &[Vec<String>], width: Option<usize>) -> String {
    let columns = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| display_width(h)).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(display_width(cell));
        }
    }
    if width.is_some() {
        for w in widths.iter_mut().take(columns.saturating_sub(1)) {
            *w = (*w).min(TABLE_CELL_MAX);
        }
    }
    let before_last: usize = widths
        .iter()
        .take(columns.saturating_sub(1))
        .map(|w| w + 2)
        .sum();
    let last_width = width.map(|w| w.saturating_sub(before_last).max(10));
    let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    let mut text = String::new();
    for row in std::iter::once(&header).chain(rows) {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate().take(columns) {
            if i + 1 == columns {
                match last_width {
                    Some(w) => line.push_str(&cut(cell, w)),
                    None => line.push_str(cell),
                }
            } else {
                line.push_str(&pad(&cut(cell, widths[i]), widths[i]));
                line.push_str("  ");
            }
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod table_tests {
    use super::*;

    fn rows(cells: &[&[&str]]) -> Vec<Vec<String>> {
        cells
            .iter()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect()
    }

    #[test]
    fn columns_are_sized_to_their_content() {
        let body = rows(&[
            &["new", "probe:a-very-long-probe-name:api_down", "API down"],
            &["notified", "x", "t"],
        ]);
        assert_eq!(
            table(&["STATUS", "ID", "TITLE"], &body, None),
            "STATUS    ID                                     TITLE\n\
             new       probe:a-very-long-probe-name:api_down  API down\n\
             notified  x                                      t\n"
        );
    }

    #[test]
    fn on_a_terminal_long_cells_are_cut_with_a_marker() {
        let long_id = "i".repeat(60);
        let body = rows(&[&["new", &long_id, "a title that is rather long"]]);
        let text = table(&["STATUS", "ID", "TITLE"], &body, Some(70));
        let line = text.lines().nth(1).unwrap();
        assert_eq!(
            line,
            format!("new     {}…  a title that is rat…", "i".repeat(39))
        );
        assert!(text.lines().all(|l| l.chars().count() <= 70), "{text}");
        // A narrow terminal still shows 10 characters of the last column.
        let text = table(&["STATUS", "ID", "TITLE"], &body, Some(20));
        assert!(
            text.lines().nth(1).unwrap().ends_with("a title t…"),
            "{text}"
        );
        // Short cells are not touched.
        assert_eq!(cut("abc", 3), "abc");
        assert_eq!(cut("abcd", 3), "ab…");
    }

    #[test]
    fn an_empty_table_is_its_header() {
        assert_eq!(table(&["A", "B"], &[], None), "A  B\n");
    }
}

#[cfg(test)]
mod closest_tests {
    use super::*;

    #[test]
    fn closest_names_what_a_typo_meant_and_nothing_far() {
        let commands = ["init", "probe", "status", "audit", "alerts", "tick"];
        assert_eq!(closest("stauts", commands), Some("status"));
        assert_eq!(closest("statsu", commands), Some("status"));
        assert_eq!(closest("tikc", commands), Some("tick"));
        assert_eq!(closest("alert", commands), Some("alerts"));
        assert_eq!(closest("Probes", commands), Some("probe"));
        assert_eq!(closest("frobnicate", commands), None);
        assert_eq!(closest("x", commands), None);
        let keys = ["route", "cooldown", "debounce_seconds", "timeout"];
        assert_eq!(closest("routes", keys), Some("route"));
        assert_eq!(closest("timout", keys), Some("timeout"));
        assert_eq!(closest("debounce", keys), Some("debounce_seconds"));
        assert_eq!(closest("de", keys), None);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("ab", "ba"), 1);
    }
}
