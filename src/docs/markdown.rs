//! The small Markdown the man pages' prose is written in (`src/docs/pages/`),
//! rendered to roff: `# SECTION` (a man section), `## Title` (a subsection),
//! paragraphs, `- ` items (continued by indented lines), fenced code blocks
//! and inline `` `code` `` (bold). Nothing else is Markdown here, so a page
//! reads the same in an editor and in `man`.

use roff::{Inline, Roff, bold, roman};

/// One `# SECTION` of a page source: its name and its body, rendered.
#[derive(Debug)]
pub struct Section {
    pub name: String,
    pub body: Roff,
}

/// Splits a page source into its `# SECTION`s and renders each. Text before
/// the first heading is an error: every word belongs to a section.
pub fn render(source: &str) -> Result<Vec<Section>, String> {
    let mut sections: Vec<Section> = Vec::new();
    let mut paragraph: Vec<String> = Vec::new();
    let mut item = false;
    let mut code: Option<Vec<String>> = None;
    for (i, line) in source.lines().enumerate() {
        let at = || format!("line {}", i + 1);
        if let Some(lines) = code.as_mut() {
            if line.trim_end() == "```" {
                let section = sections.last_mut().ok_or_else(at)?;
                code_block(&mut section.body, lines);
                code = None;
            } else {
                lines.push(line.to_string());
            }
            continue;
        }
        let heading = line
            .strip_prefix("# ")
            .or(if line == "#" { Some("") } else { None });
        let sub = line.strip_prefix("## ");
        let fence = line.starts_with("```");
        let bullet = line.strip_prefix("- ");
        let blank = line.trim().is_empty();
        if heading.is_some() || sub.is_some() || fence || bullet.is_some() || blank {
            if let Some(section) = sections.last_mut() {
                flush(&mut section.body, &mut paragraph, item);
            } else if !paragraph.is_empty() {
                return Err(format!("{}: text before the first # SECTION", at()));
            }
            item = false;
        }
        if let Some(name) = heading {
            if name.trim().is_empty() {
                return Err(format!("{}: a # heading without a name", at()));
            }
            sections.push(Section {
                name: name.trim().to_string(),
                body: Roff::new(),
            });
        } else if let Some(title) = sub {
            let section = sections.last_mut().ok_or_else(at)?;
            section.body.control("SS", [title.trim()]);
        } else if fence {
            if sections.is_empty() {
                return Err(format!("{}: a code block before the first # SECTION", at()));
            }
            code = Some(Vec::new());
        } else if let Some(text) = bullet {
            paragraph.push(text.trim().to_string());
            item = true;
        } else if !blank {
            if sections.is_empty() {
                return Err(format!("{}: text before the first # SECTION", at()));
            }
            paragraph.push(line.trim().to_string());
        }
    }
    if code.is_some() {
        return Err("a code block is never closed".to_string());
    }
    if let Some(section) = sections.last_mut() {
        flush(&mut section.body, &mut paragraph, item);
    }
    Ok(sections)
}

/// Writes a paragraph (or an item, `.IP •`) gathered from its lines.
fn flush(roff: &mut Roff, lines: &mut Vec<String>, item: bool) {
    if lines.is_empty() {
        return;
    }
    let text = lines.join(" ");
    lines.clear();
    if item {
        roff.control("IP", ["\\(bu", "2"]);
    } else {
        roff.control("PP", []);
    }
    roff.text(inline_text(&text));
}

/// A code block: indented, unfilled, as written.
fn code_block(roff: &mut Roff, lines: &[String]) {
    roff.control("PP", [])
        .control("RS", ["4"])
        .control("nf", []);
    for line in lines {
        roff.text([roman(line.as_str())]);
    }
    roff.control("fi", []).control("RE", []);
}

/// `` `code` `` in bold, the rest roman. A backtick without its pair is kept as text.
pub fn inline_text(text: &str) -> Vec<Inline> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('`') {
        let Some(len) = rest[start + 1..].find('`') else {
            break;
        };
        if start > 0 {
            out.push(roman(&rest[..start]));
        }
        out.push(bold(&rest[start + 1..start + 1 + len]));
        rest = &rest[start + 1 + len + 1..];
    }
    if !rest.is_empty() {
        out.push(roman(rest));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rendered(source: &str) -> Vec<(String, String)> {
        render(source)
            .unwrap()
            .into_iter()
            .map(|s| (s.name, s.body.to_roff()))
            .collect()
    }

    #[test]
    fn sections_paragraphs_items_and_code() {
        let page = rendered(
            "# EXAMPLES\nRun the probes\nonce:\n\n```sh\ntend probe run -v\n.hidden\n```\n\n## Items\n- one `--flag`\n  continued\n- two\n\n# NOTES\nLast.\n",
        );
        assert_eq!(page.len(), 2);
        assert_eq!(page[0].0, "EXAMPLES");
        assert_eq!(
            page[0].1,
            ".PP\nRun the probes once:\n.PP\n.RS 4\n.nf\ntend probe run \\-v\n\\&.hidden\n.fi\n.RE\n\
             .SS Items\n.IP \\(bu 2\none \\fB\\-\\-flag\\fR continued\n.IP \\(bu 2\ntwo\n"
        );
        assert_eq!(page[1], ("NOTES".to_string(), ".PP\nLast.\n".to_string()));
    }

    #[test]
    fn text_outside_a_section_and_open_fences_are_errors() {
        assert!(
            render("stray\n# EXAMPLES\n")
                .unwrap_err()
                .contains("line 1")
        );
        assert!(render("# EXAMPLES\n```sh\ntend\n").is_err());
        assert!(render("#\n").is_err());
    }

    #[test]
    fn inline_code_is_bold() {
        assert_eq!(
            render("# A\nrun `tend tick` now\n").unwrap()[0]
                .body
                .to_roff(),
            ".PP\nrun \\fBtend tick\\fR now\n"
        );
    }
}
