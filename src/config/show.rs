//! `tend config show` (design §2): the effective configuration as TOML, every
//! value the user did not change marked `# default`, and the built-in
//! `[status] expect` intervals shown. The output is valid TOML that
//! `tend config check` accepts back.

use toml_edit::{DocumentMut, Item, Table};

use super::{Config, default_expect};

/// The trailing comment of a value that is the built-in default.
pub const DEFAULT_MARK: &str = "# default";

/// The trailing comment of a built-in `[status] expect` interval: unlike one
/// written in the file, it applies only once the command has run.
const BUILTIN_EXPECT_MARK: &str = "# default (applies once the command has run)";

impl Config {
    /// The effective configuration, redacted as [`Config::to_redacted_toml`],
    /// with defaults marked (see [`mark_defaults`]).
    pub fn to_annotated_toml(&self) -> String {
        let text = self.to_redacted_toml();
        let mut doc: DocumentMut = match text.parse() {
            Ok(doc) => doc,
            // The renderer wrote it; it parses. If not, show it unmarked.
            Err(_) => return text,
        };
        mark_defaults(&mut doc, |table| {
            toml::Value::Table(table.clone())
                .try_into::<Config>()
                .ok()
                .and_then(|config| toml::Value::try_from(config.redacted()).ok())
                .and_then(|value| match value {
                    toml::Value::Table(table) => Some(table),
                    _ => None,
                })
        });
        add_builtin_expect(&mut doc, &self.status.expect);
        if self.alerts.route.is_none() {
            add_default_route(&mut doc, self);
        }
        let header = match &self.source {
            Some(path) => format!("# effective configuration: {}", path.display()),
            None => "# effective configuration: built-in defaults (no tend.toml)".to_string(),
        };
        format!(
            "{header}\n# `{DEFAULT_MARK}` marks a value tend chose; every other value was set in the file or the environment.\n\n{doc}"
        )
    }
}

/// Marks every value of `doc` that is what `reload` gives back for that key
/// when the key is removed: the value deserialization fills in, that is the
/// default. This needs no list of defaults, so it cannot drift from the
/// serde defaults, and it works inside `[[probe]]` and `[[watcher]]`
/// entries too. `reload` deserializes a table and renders it again (None
/// when the table no longer deserializes: the key is required).
pub fn mark_defaults(doc: &mut DocumentMut, reload: impl Fn(&toml::Table) -> Option<toml::Table>) {
    let effective: toml::Table = match doc.to_string().parse() {
        Ok(table) => table,
        Err(_) => return,
    };
    let mut paths = Vec::new();
    leaf_paths(
        &toml::Value::Table(effective.clone()),
        &mut Vec::new(),
        &mut paths,
    );
    for path in paths {
        let mut without = effective.clone();
        let Some(value) = remove_at(&mut without, &path) else {
            continue;
        };
        let restored = reload(&without).and_then(|table| get_at(&table, &path).cloned());
        if restored.as_ref() == Some(&value) {
            set_comment(doc.as_table_mut(), &path, DEFAULT_MARK);
        }
    }
}

/// One step of a path into a TOML document.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
}

/// The path of every value that is not a table (arrays of tables are
/// walked into; other arrays are one value).
fn leaf_paths(value: &toml::Value, path: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    match value {
        toml::Value::Table(table) => {
            for (key, item) in table {
                path.push(Step::Key(key.clone()));
                leaf_paths(item, path, out);
                path.pop();
            }
        }
        toml::Value::Array(items) if !items.is_empty() && items.iter().all(|i| i.is_table()) => {
            for (i, item) in items.iter().enumerate() {
                path.push(Step::Index(i));
                leaf_paths(item, path, out);
                path.pop();
            }
        }
        _ => out.push(path.clone()),
    }
}

fn get_at<'a>(table: &'a toml::Table, path: &[Step]) -> Option<&'a toml::Value> {
    let (Step::Key(first), rest) = path.split_first()? else {
        return None;
    };
    let mut value = table.get(first)?;
    for step in rest {
        value = match step {
            Step::Key(key) => value.as_table()?.get(key)?,
            Step::Index(i) => value.as_array()?.get(*i)?,
        };
    }
    Some(value)
}

fn remove_at(table: &mut toml::Table, path: &[Step]) -> Option<toml::Value> {
    let (Step::Key(last), parent) = path.split_last()? else {
        return None;
    };
    if parent.is_empty() {
        return table.remove(last);
    }
    let (Step::Key(first), rest) = parent.split_first()? else {
        return None;
    };
    let mut value = table.get_mut(first)?;
    for step in rest {
        value = match step {
            Step::Key(key) => value.as_table_mut()?.get_mut(key)?,
            Step::Index(i) => value.as_array_mut()?.get_mut(*i)?,
        };
    }
    value.as_table_mut()?.remove(last)
}

/// Puts `comment` after the value at `path` in the document.
fn set_comment(table: &mut Table, path: &[Step], comment: &str) {
    let Some((Step::Key(first), rest)) = path.split_first() else {
        return;
    };
    let Some(item) = table.get_mut(first) else {
        return;
    };
    match (item, rest.split_first()) {
        (Item::Value(value), None) => value.decor_mut().set_suffix(format!(" {comment}")),
        (Item::Table(inner), Some(_)) => set_comment(inner, rest, comment),
        (Item::Value(toml_edit::Value::InlineTable(inline)), Some((Step::Key(key), []))) => {
            if let Some(value) = inline.get_mut(key) {
                value.decor_mut().set_suffix(format!(" {comment}"));
            }
        }
        (Item::ArrayOfTables(array), Some((Step::Index(i), rest))) => {
            if let Some(inner) = array.get_mut(*i) {
                set_comment(inner, rest, comment);
            }
        }
        _ => {}
    }
}

/// Shows the built-in `[status] expect` intervals the file does not
/// override, as `status` applies them.
fn add_builtin_expect(
    doc: &mut DocumentMut,
    explicit: &std::collections::BTreeMap<String, super::Duration>,
) {
    let status = doc
        .as_table_mut()
        .entry("status")
        .or_insert_with(|| Item::Table(Table::new()));
    let Some(status) = status.as_table_mut() else {
        return;
    };
    let expect = status
        .entry("expect")
        .or_insert_with(|| Item::Table(Table::new()));
    let Some(expect) = expect.as_table_mut() else {
        return;
    };
    for (command, interval) in default_expect() {
        if explicit.contains_key(command) {
            continue;
        }
        let mut value = toml_edit::Value::from(interval.to_string());
        value
            .decor_mut()
            .set_suffix(format!(" {BUILTIN_EXPECT_MARK}"));
        expect.insert(command, Item::Value(value));
    }
}

/// `[alerts.route]` as tend applies it when the file has none: which
/// channel each severity goes to is the first thing to check when an alert
/// does not arrive. Accepted back by `config check`, it routes the same.
fn add_default_route(doc: &mut DocumentMut, config: &Config) {
    let route = config.alert_route();
    let alerts = doc
        .as_table_mut()
        .entry("alerts")
        .or_insert_with(|| Item::Table(Table::new()));
    let Some(alerts) = alerts.as_table_mut() else {
        return;
    };
    let mut table = Table::new();
    let why_info = match config.email.smtp_host {
        Some(_) => "email, as [email] is configured",
        None => "the [operator] channel, as [email] is not configured",
    };
    for (severity, channel, why) in [
        ("critical", route.critical, "the [operator] channel"),
        ("warning", route.warning, "the [operator] channel"),
        ("info", route.info, why_info),
    ] {
        let mut value = toml_edit::Value::from(channel.as_str());
        value
            .decor_mut()
            .set_suffix(format!(" {DEFAULT_MARK}: {why}"));
        table.insert(severity, Item::Value(value));
    }
    alerts.insert("route", Item::Table(table));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn annotated(file: &str) -> String {
        let table: toml::Table = file.parse().unwrap();
        let config: Config = toml::Value::Table(table).try_into().unwrap();
        config.to_annotated_toml()
    }

    fn line<'a>(text: &'a str, start: &str) -> &'a str {
        text.lines()
            .find(|l| l.starts_with(start))
            .unwrap_or_else(|| panic!("no line {start:?} in\n{text}"))
    }

    #[test]
    fn defaults_are_marked_and_set_values_are_not() {
        let text = annotated("[wake]\ndebounce_seconds = 60\n");
        assert_eq!(line(&text, "debounce_seconds"), "debounce_seconds = 60");
        assert_eq!(
            line(&text, "consecutive_required"),
            "consecutive_required = 2 # default"
        );
        assert_eq!(line(&text, "kind"), "kind = \"none\" # default");
    }

    #[test]
    fn a_value_set_to_the_default_reads_as_the_default() {
        let text = annotated("[wake]\nconsecutive_required = 2\n");
        assert_eq!(
            line(&text, "consecutive_required"),
            "consecutive_required = 2 # default"
        );
    }

    #[test]
    fn builtin_expectations_are_shown_unless_overridden() {
        let text = annotated("[status.expect]\n\"probe run\" = \"2m\"\n");
        assert_eq!(line(&text, "\"probe run\""), "\"probe run\" = \"2m\"");
        assert_eq!(
            line(&text, "\"wake consume\""),
            "\"wake consume\" = \"5m\" # default (applies once the command has run)"
        );
        let text = annotated("");
        assert!(
            text.contains("\"alerts notify\" = \"5m\" # default"),
            "{text}"
        );
    }

    #[test]
    fn array_entries_mark_their_own_defaults() {
        let text = annotated(
            "[[probe]]\nname = \"api\"\nkind = \"tcp\"\naddress = \"127.0.0.1:1\"\ntimeout = \"3s\"\n",
        );
        assert_eq!(line(&text, "name"), "name = \"api\"");
        assert_eq!(line(&text, "address"), "address = \"127.0.0.1:1\"");
        assert_eq!(line(&text, "timeout = \"3s\""), "timeout = \"3s\"");
        assert!(text.contains("enabled = true # default"), "{text}");
    }

    #[test]
    fn the_output_reads_back_as_the_same_configuration() {
        let file = "[wake]\ndebounce_seconds = 60\n[alerts]\ncooldown = \"1h\"\n";
        let text = annotated(file);
        let back: toml::Table = text.parse().expect("valid TOML");
        let back: Config = toml::Value::Table(back).try_into().expect("a Config");
        assert_eq!(back.wake.debounce_seconds, 60);
        assert_eq!(back.alerts.cooldown.to_string(), "1h");
        // The built-in expectations come back as explicit ones, the same
        // intervals.
        assert_eq!(back.status.expect.len(), default_expect().len());
    }
}
