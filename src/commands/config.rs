//! `tend config check` and `tend config show`. Loading already validated the
//! configuration (an invalid one never reaches these handlers: exit 2);
//! `check` also reads the secrets of the parts in use, which no other
//! command reads before it needs them. `show` reads none.

use anyhow::Result;
use serde_json::json;

use crate::ctx::{Ctx, Outcome};

pub fn check(ctx: &mut Ctx) -> Result<Outcome> {
    // The rules that need the decisions already written (design §8).
    let findings = crate::watchers::check::check_decisions(ctx)?;
    for warning in &findings.warnings {
        ctx.out.warn(warning);
    }
    // The secrets of the parts in use, read now: a run reads each only when
    // its part is used, so this is where an unreadable one shows up front.
    let origin = match &ctx.config.source {
        Some(path) => path.display().to_string(),
        None => "built-in defaults".to_string(),
    };
    let mut errors = findings.errors;
    errors.extend(
        ctx.config
            .unreadable_secrets()
            .iter()
            .map(|e| format!("{origin}: {e}")),
    );
    if !errors.is_empty() {
        return Err(crate::exit::UsageError(format!(
            "invalid configuration\n  {}",
            errors.join("\n  ")
        ))
        .into());
    }
    let source = match &ctx.config.source {
        Some(path) => path.display().to_string(),
        None => "built-in defaults (no tend.toml)".to_string(),
    };
    ctx.out
        .summary(&format!("configuration is valid: {source}"))?;
    ctx.out
        .json(&json!({"valid": true, "source": ctx.config.source}))?;
    Ok(Outcome::default())
}

pub fn show(ctx: &mut Ctx) -> Result<Outcome> {
    if ctx.out.json {
        let value = ctx.config.to_redacted_json()?;
        ctx.out.json(&value)?;
    } else {
        let text = ctx.config.to_annotated_toml();
        ctx.out.data(text.as_bytes())?;
    }
    Ok(Outcome::default())
}
