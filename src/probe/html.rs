//! An HTML error page as the few lines of text a person would read on it
//! (an http probe's `long_output`, which reaches the operator's message):
//! scripts, styles and comments dropped, tags removed, entities decoded,
//! whitespace collapsed, repeated lines (a `<title>` echoed by the `<h1>`)
//! shown once. A pure function of the body.

/// Whether `body` is an HTML document or fragment rather than text or JSON.
pub fn looks_like_html(body: &str) -> bool {
    let head: String = body.trim_start().chars().take(512).collect();
    let head = head.to_ascii_lowercase();
    head.starts_with("<!doctype html")
        || head.starts_with("<html")
        || (head.starts_with('<')
            && ["</", "<br", "<hr", "<p>", "<h1", "<head", "<body", "<title"]
                .iter()
                .any(|tag| head.contains(tag)))
}

/// Tags after which the text starts a new line.
const BLOCK_TAGS: [&str; 27] = [
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "br",
    "center",
    "dd",
    "div",
    "dl",
    "dt",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "header",
    "hr",
    "li",
    "main",
    "p",
    "pre",
    "title",
    "tr",
];

/// Elements whose content is not text to show.
const SKIPPED_ELEMENTS: [&str; 4] = ["script", "style", "noscript", "template"];

/// The readable text of `html`, one line per block, at most `max_lines`
/// lines (a last `…` line says more was cut).
pub fn to_text(html: &str, max_lines: usize) -> String {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut rest = html;
    let flush = |current: &mut String, lines: &mut Vec<String>| {
        let line = decode_entities(current)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if !line.is_empty() && !lines.contains(&line) {
            lines.push(line);
        }
        current.clear();
    };
    while let Some(lt) = rest.find('<') {
        current.push_str(&rest[..lt]);
        rest = &rest[lt..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |end| &after[end + 3..]);
            continue;
        }
        let opens_tag = rest[1..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || matches!(c, '/' | '!' | '?'));
        if !opens_tag {
            // `a < b`: text.
            current.push('<');
            rest = &rest[1..];
            continue;
        }
        let Some(gt) = rest.find('>') else {
            // A `<` that opens no tag: text.
            current.push_str(rest);
            rest = "";
            break;
        };
        let tag = &rest[1..gt];
        rest = &rest[gt + 1..];
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if SKIPPED_ELEMENTS.contains(&name.as_str()) && !tag.starts_with('/') {
            let close = format!("</{name}");
            let lower = rest.to_ascii_lowercase();
            rest = match lower.find(&close) {
                Some(at) => rest[at..].find('>').map_or("", |gt| &rest[at + gt + 1..]),
                None => "",
            };
            continue;
        }
        if BLOCK_TAGS.contains(&name.as_str()) {
            flush(&mut current, &mut lines);
        } else {
            current.push(' ');
        }
    }
    current.push_str(rest);
    flush(&mut current, &mut lines);
    if lines.len() > max_lines {
        lines.truncate(max_lines);
        lines.push("…".to_string());
    }
    lines.join("\n")
}

/// `&amp;`, `&lt;`, `&#39;`, `&#x2014;` … as characters; an unknown or
/// malformed entity stays as written.
pub fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let end = rest
            .char_indices()
            .take(12)
            .find(|(_, c)| *c == ';')
            .map(|(i, _)| i);
        let decoded = end.and_then(|end| entity(&rest[1..end]).map(|c| (c, end)));
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    if let Some(number) = name.strip_prefix('#') {
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => number.parse().ok()?,
        };
        return char::from_u32(code).filter(|c| !c.is_control() || c.is_whitespace());
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "ndash" => '–',
        "mdash" => '—',
        "hellip" => '…',
        "copy" => '©',
        "laquo" => '«',
        "raquo" => '»',
        "middot" => '·',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NGINX_503: &str = "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>nginx/1.25.3</center>\r\n</body>\r\n</html>\r\n";

    #[test]
    fn an_nginx_error_page_reads_as_two_lines() {
        assert!(looks_like_html(NGINX_503));
        assert_eq!(
            to_text(NGINX_503, 10),
            "503 Service Temporarily Unavailable\nnginx/1.25.3"
        );
    }

    #[test]
    fn scripts_styles_and_comments_are_dropped_and_entities_decoded() {
        let page = "<!DOCTYPE html><html><head><style>body{color:red}</style>\
            <script type=\"x\">if (a < b) { alert('x') }</script></head><body>\
            <!-- build 42 --><p>Tom &amp; Jerry&#39;s &lt;API&gt; is   down&nbsp;&#x2014; retry</p>\
            <SCRIPT>x()</SCRIPT><p>a &bogus; b &amp c</p></body></html>";
        assert!(looks_like_html(page));
        assert_eq!(
            to_text(page, 10),
            "Tom & Jerry's <API> is down — retry\na &bogus; b &amp c"
        );
    }

    #[test]
    fn lines_are_capped_with_a_marker() {
        let page: String = (1..=8).map(|i| format!("<p>line {i}</p>")).collect();
        assert_eq!(to_text(&page, 3), "line 1\nline 2\nline 3\n…");
        assert_eq!(to_text(&page, 8).lines().count(), 8);
    }

    #[test]
    fn text_and_json_are_not_html() {
        for body in [
            "",
            "service unavailable",
            "{\"error\": \"<b>x</b>\"}",
            "a < b and c > d",
        ] {
            assert!(!looks_like_html(body), "{body}");
        }
        assert!(looks_like_html("  <!doctype HTML><p>x"));
        assert!(looks_like_html("<h1>Bad gateway</h1>"));
    }

    #[test]
    fn broken_markup_loses_nothing_readable() {
        assert_eq!(
            to_text("<p>a < b</p><p>unclosed <b", 5),
            "a < b\nunclosed <b"
        );
        assert_eq!(to_text("<p>x<!-- never closed", 5), "x");
        assert_eq!(to_text("<script>never closed", 5), "");
        assert_eq!(
            decode_entities("&#0; &#xD800; &#99999999;"),
            "&#0; &#xD800; &#99999999;"
        );
    }
}
