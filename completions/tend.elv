
use builtin;
use str;

set edit:completion:arg-completer[tend] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'tend'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'tend'= {
            cand --root 'State root directory'
            cand --config 'Configuration file [default: <root>/tend.toml]'
            cand --now 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)'
            cand --json 'Print JSON Lines: one object per item, then a summary object'
            cand -q 'Print nothing but errors'
            cand --quiet 'Print nothing but errors'
            cand -v 'Print a line per item processed'
            cand --verbose 'Print a line per item processed'
            cand --dry-run 'Compute and print everything; send nothing, write nothing'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand init 'Create the state root''s layout and a commented tend.toml'
            cand probe 'Run health probes: Nagios plugins, JSON probes, http and tcp checks'
            cand wake 'Turn wake requests into debounced, investigated operator messages'
            cand alerts 'Push newly firing alerts to Slack, email, a webhook or stdout without spam'
            cand incidents 'Show incidents: one per problem, from its first failure to its resolution'
            cand watchers 'Flag entities that silently stalled (flag-only, deterministic watchers)'
            cand gc 'Remove orphaned agent checkpoints and old audit segments, safely'
            cand promote 'Observe the platform''s telemetry, propose changes, review them from the shell'
            cand status 'Show each command''s last run, overdue commands, lock holders, cursor lag'
            cand report 'Write a status page, or print a report: uptime, latency, incidents, spend'
            cand doctor 'Check the root and explain how to recover from what is found'
            cand config 'Check or show the configuration'
            cand audit 'Append to or read the audit log'
            cand tick 'Run every loop once, in order (one crontab line for all of them)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tend;init'= {
            cand --now 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)'
            cand --root 'State root directory'
            cand --config 'Configuration file [default: <root>/tend.toml]'
            cand --example 'Also install example probes and watcher fixtures that work offline'
            cand --dry-run 'Compute and print everything; send nothing, write nothing'
            cand --json 'Print JSON Lines: one object per item, then a summary object'
            cand -q 'Print nothing but errors'
            cand --quiet 'Print nothing but errors'
            cand -v 'Print a line per item processed'
            cand --verbose 'Print a line per item processed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tend;probe'= {
            cand --root 'State root directory'
            cand --config 'Configuration file [default: <root>/tend.toml]'
            cand --json 'Print JSON Lines: one object per item, then a summary object'
            cand -q 'Print nothing but errors'
            cand --quiet 'Print nothing but errors'
            cand -v 'Print a line per item processed'
            cand --verbose 'Print a line per item processed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand run 'Run every enabled probe (or the named ones) once'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tend;probe;run'= {
            cand --now 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)'
            cand --root 'State root directory'
            cand --config 'Configuration file [default: <root>/tend.toml]'
            cand --nagios-exit 'Exit with the worst probe state: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN'
            cand --dry-run 'Compute and print everything; send nothing, write nothing'
            cand --json 'Print JSON Lines: one object per item, then a summary object'
            cand -q 'Print nothing but errors'
            cand --quiet 'Print nothing but errors'
            cand -v 'Print a line per item processed'
            cand --verbose 'Print a line per item processed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tend;probe;help'= {
            cand run 'Run every enabled probe (or the named ones) once'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tend;probe;help;run'= {
        }
        &'tend;probe;help;help'= {
        }
        &'tend;wake'= {
            cand --root 'State root directory'
            cand --config 'Configuration file [default: <root>/tend.toml]'
            cand --json 'Print JSON Lines: one object per item, then a summary object'
            cand -q 'Print nothing but errors'
            cand --quiet 'Print nothing but errors'
            cand -v 'Print a line per item processed'
            cand --verbose 'Print a line per item processed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand consume 'Debounce new wake requests, investigate each one due, message the operator'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tend;wake;consume'= {
            cand --since 'Replay wake requests at or after this instant (RFC 3339 or YYYY-MM-DD)'
            cand --now 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)'
            cand --root 'State root directory'
            cand --config 'Configuration file [default: <root>/tend.toml]'
            cand --from-start 'Replay the whole audit log instead of continuing from the cursor'
            cand --dry-run 'Compute and print everything; send nothing, write nothing'
            cand --json 'Print JSON Lines: one object per item, then a summary object'
            cand -q 'Print nothing but errors'
            cand --quiet 'Print nothing but errors'
            cand -v 'Print a line per item processed'
            cand --verbose 'Print a line per item processed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tend;wake;help'= {
            cand consume 'Debounce new wake requests, investigate each one due, message the operator'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tend;wake;help;consume'= {
        }
        &'tend;wake;help;help'= {
        }
        &'tend;alerts'= {
            cand --root 'State root directory'
            cand --config 'Configuration file [default: <root>/tend.toml]'
            cand --json 'Print JSON Lines: one object per item, then a summary object'
            cand -q 'Print nothing but errors'
            cand --quiet 'Print nothing but errors'
            cand -v 'Print a line per item processed'
            cand --verbose 'Print a line per item processed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand notify 'Notify newly firing alerts (the cron line, every few minutes)'
            cand list 'Show active, notified, suppressed, silenced and queued alerts'
            cand digest 'Send the info alerts queued by info_mode = "digest" as one message (daily cron line)'
            cand test 'Send a clearly labelled test message through the real channel'
            cand silence 'Mute matching alerts for a while'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tend;alerts;notify'= {
            cand --from 'Also read active alerts from FILE (`-` for standard input); repeatable'
            cand --now 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)'
            cand --root 'State root directory'
            cand --config 'Configuration file [default: <root>/tend.toml]'
            cand --dry-run 'Compute and print everything; send nothing, write nothing'
            cand --json 'Print JSON Lines: one object per item, then a summary object'
            cand -q 'Print nothing but errors'
            cand --quiet 'Print nothing but errors'
            cand -v 'Print a line per item processed'
            cand --verbose 'Print a line per item processed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tend;alerts;list'= {
            cand --from 'Also read active alerts from FILE (`-` for standard input); repeatable'
            cand --now 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)'
            cand --root 'State root directory'
            cand --config 'Configuration file [default: <root>/tend.toml]'
            cand --json 'Print JSON Lines: one object per item, then a summary object'
            cand -q 'Print nothing but errors'
            cand --quiet 'Print nothing but errors'
            cand -v 'Print a line per item processed'
            cand --verbose 'Print a line per item processed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tend;alerts;digest'= {
            cand --now 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)'
            cand --root 'State root directory'
            cand --config 'Configuration file [default: <root>/tend.toml]'
            cand --dry-run 'Compute and print everything; send nothing, write nothing'
            cand --json 'Print JSON Lines: one object per item, then a summary object'
            cand -q 'Print nothing but errors'
            cand --quiet 'Print nothing but errors'
            cand -v 'Print a line per item processed'
            cand --verbose 'Print a line per item processed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tend;alerts;test'= {
            cand --channel 'The channel to test [default: every channel the alert routes use]'
            cand --now 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)'
            cand --root 'State root directory'
            cand --config 'Configuration file [default: <root>/tend.toml]'
            cand --dry-run 'Compute and print everything; send nothing, write nothing'
            cand --json 'Print JSON Lines: one object per item, then a summary object'
            cand -q 'Print nothing but errors'
            cand --quiet 'Print nothing but errors'
            cand -v 'Print a line per item processed'
            cand --verbose 'Print a line per item processed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tend;alerts;silence'= {
            cand --root 'State root directory'
            cand --config 'Configuration file [default: <root>/tend.toml]'
            cand --json 'Print JSON Lines: one object per item, then a summary object'
            cand -q 'Print nothing but errors'
            cand --quiet 'Print nothing but errors'
            cand -v 'Print a line per item processed'
            cand --verbose 'Print a line per item processed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand add 'Mute alerts matching every --match for a while'
            cand list 'Show active silences (--all: expired ones too)'
            cand expire 'End a silence now'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tend;alerts;silence;add'= {
            cand --match 'KEY=VALUE with KEY one of id, category, severity, source (exact values; all must match)'
            cand --for 'How long, e.g. 30m, 2h, 1d'
            cand --reason 'Why (shown in `silence list`)'
            cand --by 'Who silences [default: $SUDO_USER, else $USER]'
            cand --now 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)'
            cand --root 'State root directory'
            cand --config 'Configuration file [default: <root>/tend.toml]'
            cand --dry-run 'Compute and print everything; send nothing, write nothing'
            cand --json 'Print JSON Lines: one object per item, then a summary object'
            cand -q 'Print nothing but errors'
            cand --quiet 'Print nothing but errors'
            cand -v 'Print a line per item processed'
            cand --verbose 'Print a line per item processed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tend;alerts;silence;list'= {
            cand --now 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)'
            cand --root 'State root directory'
            cand --config 'Configuration file [default: <root>/tend.toml]'
            cand --all 'Also show expired silences'
            cand --json 'Print JSON Lines: one object per item, then a summary object'
            cand -q 'Print nothing but errors'
            cand --quiet 'Print nothing but errors'
            cand -v 'Print a line per item processed'
            cand --verbose 'Print a line per item processed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tend;alerts;silence;expire'= {
            cand --by 'Who ends it [default: $SUDO_USER, else $USER]'
            cand --now 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)'
            cand --root 'State root directory'
            cand --config 'Configuration file [default: <root>/tend.toml]'
            cand --dry-run 'Compute and print everything; send nothing, write nothing'
            cand --json 'Print JSON Lines: one object per item, then a summary object'
            cand -q 'Print nothing but errors'
            cand --quiet 'Print nothing but errors'
            cand -v 'Print a line per item processed'
            cand --verbose 'Print a line per item processed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tend;alerts;silence;help'= {
            cand add 'Mute alerts matching every --match for a while'
            cand list 'Show active silences (--all: expired ones too)'
            cand expire 'End a silence now'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tend;alerts;silence;help;add'= {
        }
        &'tend;alerts;silence;help;list'= {
        }
        &'tend;alerts;silence;help;expire'= {
        }
        &'tend;alerts;silence;help;help'= {
        }
        &'tend;alerts;help'= {
            cand notify 'Notify newly firing alerts (the cron line, every few minutes)'
            cand list 'Show active, notified, suppressed, silenced and queued alerts'
            cand digest 'Send the info alerts queued by info_mode = "digest" as one message (daily cron line)'
            cand test 'Send a clearly labelled test message through the real channel'
            cand silence 'Mute matching alerts for a while'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tend;alerts;help;notify'= {
        }
        &'tend;alerts;help;list'= {
        }
        &'tend;alerts;help;digest'= {
        }
        &'tend;alerts;help;test'= {
        }
        &'tend;alerts;help;silence'= {
            cand add 'Mute alerts matching every --match for a while'
            cand list 'Show active silences (--all: expired ones too)'
            cand expire 'End a silence now'
        }
        &'tend;alerts;help;silence;add'= {
        }
        &'tend;alerts;help;silence;list'= {
        }
        &'tend;alerts;help;silence;expire'= {
        }
        &'tend;alerts;help;help'= {
        }
        &'tend;incidents'= {
            cand --root 'State root directory'
            cand --config 'Configuration file [default: <root>/tend.toml]'
            cand --json 'Print JSON Lines: one object per item, then a summary object'
            cand -q 'Print nothing but errors'
            cand --quiet 'Print nothing but errors'
            cand -v 'Print a line per item processed'
            cand --verbose 'Print a line per item processed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand list 'List open and recently resolved incidents, with the command that silences each'
            cand show 'Show an incident''s timeline: results, wakes, messages, diagnosis, resolution'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tend;incidents;list'= {
            cand --now 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)'
            cand --root 'State root directory'
            cand --config 'Configuration file [default: <root>/tend.toml]'
            cand --open 'Only the open incidents'
            cand --json 'Print JSON Lines: one object per item, then a summary object'
            cand -q 'Print nothing but errors'
            cand --quiet 'Print nothing but errors'
            cand -v 'Print a line per item processed'
            cand --verbose 'Print a line per item processed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tend;incidents;show'= {
            cand --now 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)'
            cand --root 'State root directory'
            cand --config 'Configuration file [default: <root>/tend.toml]'
            cand --json 'Print JSON Lines: one object per item, then a summary object'
            cand -q 'Print nothing but errors'
            cand --quiet 'Print nothing but errors'
            cand -v 'Print a line per item processed'
            cand --verbose 'Print a line per item processed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tend;incidents;help'= {
            cand list 'List open and recently resolved incidents, with the command that silences each'
            cand show 'Show an incident''s timeline: results, wakes, messages, diagnosis, resolution'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tend;incidents;help;list'= {
        }
        &'tend;incidents;help;show'= {
        }
        &'tend;incidents;help;help'= {
        }
        &'tend;watchers'= {
            cand --root 'State root directory'
            cand --config 'Configuration file [default: <root>/tend.toml]'
            cand --json 'Print JSON Lines: one object per item, then a summary object'
            cand -q 'Print nothing but errors'
            cand --quiet 'Print nothing but errors'
            cand -v 'Print a line per item processed'
            cand --verbose 'Print a line per item processed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand tick 'Run the enabled watchers (or the named ones) once'
            cand list 'List the configured watchers: enabled, their actor''s state, last run'
            cand explain 'Print the decision an entity would get now, with the reasoning'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tend;watchers;tick'= {
            cand --now 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)'
            cand --root 'State root directory'
            cand --config 'Configuration file [default: <root>/tend.toml]'
            cand --dry-run 'Compute and print everything; send nothing, write nothing'
            cand --json 'Print JSON Lines: one object per item, then a summary object'
            cand -q 'Print nothing but errors'
            cand --quiet 'Print nothing but errors'
            cand -v 'Print a line per item processed'
            cand --verbose 'Print a line per item processed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tend;watchers;list'= {
            cand --root 'State root directory'
            cand --config 'Configuration file [default: <root>/tend.toml]'
            cand --json 'Print JSON Lines: one object per item, then a summary object'
            cand -q 'Print nothing but errors'
            cand --quiet 'Print nothing but errors'
            cand -v 'Print a line per item processed'
            cand --verbose 'Print a line per item processed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tend;watchers;explain'= {
            cand --now 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)'
            cand --root 'State root directory'
            cand --config 'Configuration file [default: <root>/tend.toml]'
            cand --json 'Print JSON Lines: one object per item, then a summary object'
            cand -q 'Print nothing but errors'
            cand --quiet 'Print nothing but errors'
            cand -v 'Print a line per item processed'
            cand --verbose 'Print a line per item processed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tend;watchers;help'= {
            cand tick 'Run the enabled watchers (or the named ones) once'
            cand list 'List the configured watchers: enabled, their actor''s state, last run'
            cand explain 'Print the decision an entity would get now, with the reasoning'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tend;watchers;help;tick'= {
        }
        &'tend;watchers;help;list'= {
        }
        &'tend;watchers;help;explain'= {
        }
        &'tend;watchers;help;help'= {
        }
        &'tend;gc'= {
            cand --root 'State root directory'
            cand --config 'Configuration file [default: <root>/tend.toml]'
            cand --json 'Print JSON Lines: one object per item, then a summary object'
            cand -q 'Print nothing but errors'
            cand --quiet 'Print nothing but errors'
            cand -v 'Print a line per item processed'
            cand --verbose 'Print a line per item processed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand checkpoints 'Delete checkpoint threads whose session is gone ([gc.checkpoints])'
            cand audit 'Remove audit segments older than --keep-days (by their file date)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tend;gc;checkpoints'= {
            cand --min-age 'Keep a gone session touched more recently than this [default: [gc.checkpoints] min_age, 1h]'
            cand --max-deletions 'Delete at most N threads this run [default: [gc.checkpoints] max_deletions, 1000]'
            cand --now 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)'
            cand --root 'State root directory'
            cand --config 'Configuration file [default: <root>/tend.toml]'
            cand --allow-empty 'Delete even when the sessions source returned no session at all'
            cand --vacuum 'Reclaim the space of deleted threads afterwards (SQLite VACUUM; Postgres VACUUM)'
            cand --dry-run 'Compute and print everything; send nothing, write nothing'
            cand --json 'Print JSON Lines: one object per item, then a summary object'
            cand -q 'Print nothing but errors'
            cand --quiet 'Print nothing but errors'
            cand -v 'Print a line per item processed'
            cand --verbose 'Print a line per item processed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tend;gc;audit'= {
            cand --keep-days 'Keep the segments of the last N days (by file date, UTC)'
            cand --now 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)'
            cand --root 'State root directory'
            cand --config 'Configuration file [default: <root>/tend.toml]'
            cand --force 'Allow a --keep-days shorter than the longest promote window'
            cand --dry-run 'Compute and print everything; send nothing, write nothing'
            cand --json 'Print JSON Lines: one object per item, then a summary object'
            cand -q 'Print nothing but errors'
            cand --quiet 'Print nothing but errors'
            cand -v 'Print a line per item processed'
            cand --verbose 'Print a line per item processed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tend;gc;help'= {
            cand checkpoints 'Delete checkpoint threads whose session is gone ([gc.checkpoints])'
            cand audit 'Remove audit segments older than --keep-days (by their file date)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tend;gc;help;checkpoints'= {
        }
        &'tend;gc;help;audit'= {
        }
        &'tend;gc;help;help'= {
        }
        &'tend;promote'= {
            cand --root 'State root directory'
            cand --config 'Configuration file [default: <root>/tend.toml]'
            cand --json 'Print JSON Lines: one object per item, then a summary object'
            cand -q 'Print nothing but errors'
            cand --quiet 'Print nothing but errors'
            cand -v 'Print a line per item processed'
            cand --verbose 'Print a line per item processed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand observe 'Read the audit log over each loop''s window into observations/<loop>.json'
            cand propose 'Turn the latest observations into pending proposals'
            cand run 'Observe, propose and expire: the usual cron line'
            cand list 'List proposals as a table: id, loop, subject, age, status'
            cand show 'Show one proposal: a summary with its rationale (--json: the proposal)'
            cand approve 'Approve a pending proposal, after checking its evidence afresh'
            cand reject 'Reject a pending proposal (its subject is not proposed again for ttl_days)'
            cand expire 'Move pending proposals older than ttl_days to expired/'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tend;promote;observe'= {
            cand --input 'Also read these JSON Lines files (or directories of *.jsonl) (repeatable)'
            cand --now 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)'
            cand --root 'State root directory'
            cand --config 'Configuration file [default: <root>/tend.toml]'
            cand --dry-run 'Compute and print everything; send nothing, write nothing'
            cand --json 'Print JSON Lines: one object per item, then a summary object'
            cand -q 'Print nothing but errors'
            cand --quiet 'Print nothing but errors'
            cand -v 'Print a line per item processed'
            cand --verbose 'Print a line per item processed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tend;promote;propose'= {
            cand --now 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)'
            cand --root 'State root directory'
            cand --config 'Configuration file [default: <root>/tend.toml]'
            cand --dry-run 'Compute and print everything; send nothing, write nothing'
            cand --json 'Print JSON Lines: one object per item, then a summary object'
            cand -q 'Print nothing but errors'
            cand --quiet 'Print nothing but errors'
            cand -v 'Print a line per item processed'
            cand --verbose 'Print a line per item processed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tend;promote;run'= {
            cand --input 'Also read these JSON Lines files (or directories of *.jsonl) (repeatable)'
            cand --now 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)'
            cand --root 'State root directory'
            cand --config 'Configuration file [default: <root>/tend.toml]'
            cand --dry-run 'Compute and print everything; send nothing, write nothing'
            cand --json 'Print JSON Lines: one object per item, then a summary object'
            cand -q 'Print nothing but errors'
            cand --quiet 'Print nothing but errors'
            cand -v 'Print a line per item processed'
            cand --verbose 'Print a line per item processed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tend;promote;list'= {
            cand --loop 'Only this loop''s proposals'
            cand --status 'Only proposals with this status: pending, approved, rejected, expired'
            cand --now 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)'
            cand --root 'State root directory'
            cand --config 'Configuration file [default: <root>/tend.toml]'
            cand --json 'Print JSON Lines: one object per item, then a summary object'
            cand -q 'Print nothing but errors'
            cand --quiet 'Print nothing but errors'
            cand -v 'Print a line per item processed'
            cand --verbose 'Print a line per item processed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tend;promote;show'= {
            cand --now 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)'
            cand --root 'State root directory'
            cand --config 'Configuration file [default: <root>/tend.toml]'
            cand --json 'Print JSON Lines: one object per item, then a summary object'
            cand -q 'Print nothing but errors'
            cand --quiet 'Print nothing but errors'
            cand -v 'Print a line per item processed'
            cand --verbose 'Print a line per item processed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tend;promote;approve'= {
            cand --note 'A note recorded with the decision'
            cand --by 'Who decides [default: $SUDO_USER, else $USER]'
            cand --wait 'Seconds to wait for another reviewer''s lock'
            cand --now 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)'
            cand --root 'State root directory'
            cand --config 'Configuration file [default: <root>/tend.toml]'
            cand --force 'Approve even when the evidence changed (recorded in the proposal)'
            cand --dry-run 'Compute and print everything; send nothing, write nothing'
            cand --json 'Print JSON Lines: one object per item, then a summary object'
            cand -q 'Print nothing but errors'
            cand --quiet 'Print nothing but errors'
            cand -v 'Print a line per item processed'
            cand --verbose 'Print a line per item processed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tend;promote;reject'= {
            cand --note 'Why (recorded with the decision)'
            cand --by 'Who decides [default: $SUDO_USER, else $USER]'
            cand --wait 'Seconds to wait for another reviewer''s lock'
            cand --now 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)'
            cand --root 'State root directory'
            cand --config 'Configuration file [default: <root>/tend.toml]'
            cand --dry-run 'Compute and print everything; send nothing, write nothing'
            cand --json 'Print JSON Lines: one object per item, then a summary object'
            cand -q 'Print nothing but errors'
            cand --quiet 'Print nothing but errors'
            cand -v 'Print a line per item processed'
            cand --verbose 'Print a line per item processed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tend;promote;expire'= {
            cand --now 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)'
            cand --root 'State root directory'
            cand --config 'Configuration file [default: <root>/tend.toml]'
            cand --dry-run 'Compute and print everything; send nothing, write nothing'
            cand --json 'Print JSON Lines: one object per item, then a summary object'
            cand -q 'Print nothing but errors'
            cand --quiet 'Print nothing but errors'
            cand -v 'Print a line per item processed'
            cand --verbose 'Print a line per item processed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tend;promote;help'= {
            cand observe 'Read the audit log over each loop''s window into observations/<loop>.json'
            cand propose 'Turn the latest observations into pending proposals'
            cand run 'Observe, propose and expire: the usual cron line'
            cand list 'List proposals as a table: id, loop, subject, age, status'
            cand show 'Show one proposal: a summary with its rationale (--json: the proposal)'
            cand approve 'Approve a pending proposal, after checking its evidence afresh'
            cand reject 'Reject a pending proposal (its subject is not proposed again for ttl_days)'
            cand expire 'Move pending proposals older than ttl_days to expired/'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tend;promote;help;observe'= {
        }
        &'tend;promote;help;propose'= {
        }
        &'tend;promote;help;run'= {
        }
        &'tend;promote;help;list'= {
        }
        &'tend;promote;help;show'= {
        }
        &'tend;promote;help;approve'= {
        }
        &'tend;promote;help;reject'= {
        }
        &'tend;promote;help;expire'= {
        }
        &'tend;promote;help;help'= {
        }
        &'tend;status'= {
            cand --format 'Output format: human text, or the Prometheus text format'
            cand --now 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)'
            cand --root 'State root directory'
            cand --config 'Configuration file [default: <root>/tend.toml]'
            cand --json 'Print JSON Lines: one object per item, then a summary object'
            cand -q 'Print nothing but errors'
            cand --quiet 'Print nothing but errors'
            cand -v 'Print a line per item processed'
            cand --verbose 'Print a line per item processed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tend;report'= {
            cand --format 'Output format [default: html with --out, else text]'
            cand --out 'Write DIR/index.html (report.txt, report.json for the other formats) instead of printing'
            cand --window 'What the report covers, ending now (whole hours) [default: [report] window]'
            cand --now 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)'
            cand --root 'State root directory'
            cand --config 'Configuration file [default: <root>/tend.toml]'
            cand --dry-run 'Compute and print everything; send nothing, write nothing'
            cand --json 'Print JSON Lines: one object per item, then a summary object'
            cand -q 'Print nothing but errors'
            cand --quiet 'Print nothing but errors'
            cand -v 'Print a line per item processed'
            cand --verbose 'Print a line per item processed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tend;doctor'= {
            cand --now 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)'
            cand --root 'State root directory'
            cand --config 'Configuration file [default: <root>/tend.toml]'
            cand --json 'Print JSON Lines: one object per item, then a summary object'
            cand -q 'Print nothing but errors'
            cand --quiet 'Print nothing but errors'
            cand -v 'Print a line per item processed'
            cand --verbose 'Print a line per item processed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tend;config'= {
            cand --root 'State root directory'
            cand --config 'Configuration file [default: <root>/tend.toml]'
            cand --json 'Print JSON Lines: one object per item, then a summary object'
            cand -q 'Print nothing but errors'
            cand --quiet 'Print nothing but errors'
            cand -v 'Print a line per item processed'
            cand --verbose 'Print a line per item processed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand check 'Validate the configuration (file, environment overrides) and exit'
            cand show 'Print the effective configuration, defaults marked, secrets redacted'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tend;config;check'= {
            cand --root 'State root directory'
            cand --config 'Configuration file [default: <root>/tend.toml]'
            cand --json 'Print JSON Lines: one object per item, then a summary object'
            cand -q 'Print nothing but errors'
            cand --quiet 'Print nothing but errors'
            cand -v 'Print a line per item processed'
            cand --verbose 'Print a line per item processed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tend;config;show'= {
            cand --root 'State root directory'
            cand --config 'Configuration file [default: <root>/tend.toml]'
            cand --json 'Print JSON Lines: one object per item, then a summary object'
            cand -q 'Print nothing but errors'
            cand --quiet 'Print nothing but errors'
            cand -v 'Print a line per item processed'
            cand --verbose 'Print a line per item processed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tend;config;help'= {
            cand check 'Validate the configuration (file, environment overrides) and exit'
            cand show 'Print the effective configuration, defaults marked, secrets redacted'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tend;config;help;check'= {
        }
        &'tend;config;help;show'= {
        }
        &'tend;config;help;help'= {
        }
        &'tend;audit'= {
            cand --root 'State root directory'
            cand --config 'Configuration file [default: <root>/tend.toml]'
            cand --json 'Print JSON Lines: one object per item, then a summary object'
            cand -q 'Print nothing but errors'
            cand --quiet 'Print nothing but errors'
            cand -v 'Print a line per item processed'
            cand --verbose 'Print a line per item processed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand emit 'Append one validated row to today''s segment'
            cand tail 'Print rows of the audit log (the last 10 by default)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tend;audit;emit'= {
            cand --kind 'Row kind, e.g. probe.wake_requested'
            cand --details 'Details as a JSON object; `-` reads it from standard input (at most 64 MiB)'
            cand --correlation-key 'Correlation key, e.g. probe:fly:machine_down'
            cand --id 'Idempotency key: a retry with the same key adds no second row'
            cand --now 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)'
            cand --root 'State root directory'
            cand --config 'Configuration file [default: <root>/tend.toml]'
            cand --batch 'Read rows as JSON Lines on standard input and append them all at once'
            cand --dry-run 'Compute and print everything; send nothing, write nothing'
            cand --json 'Print JSON Lines: one object per item, then a summary object'
            cand -q 'Print nothing but errors'
            cand --quiet 'Print nothing but errors'
            cand -v 'Print a line per item processed'
            cand --verbose 'Print a line per item processed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tend;audit;tail'= {
            cand --kind 'Only rows of this kind (repeatable)'
            cand --since 'Only rows at or after this instant (RFC 3339 or YYYY-MM-DD)'
            cand -n 'How many of the last matching rows to print; `all` for every one'
            cand --lines 'How many of the last matching rows to print; `all` for every one'
            cand --now 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)'
            cand --root 'State root directory'
            cand --config 'Configuration file [default: <root>/tend.toml]'
            cand -f 'Keep printing rows as they are appended (until interrupted)'
            cand --follow 'Keep printing rows as they are appended (until interrupted)'
            cand --json 'Print JSON Lines: one object per item, then a summary object'
            cand -q 'Print nothing but errors'
            cand --quiet 'Print nothing but errors'
            cand -v 'Print a line per item processed'
            cand --verbose 'Print a line per item processed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tend;audit;help'= {
            cand emit 'Append one validated row to today''s segment'
            cand tail 'Print rows of the audit log (the last 10 by default)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tend;audit;help;emit'= {
        }
        &'tend;audit;help;tail'= {
        }
        &'tend;audit;help;help'= {
        }
        &'tend;tick'= {
            cand --now 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)'
            cand --root 'State root directory'
            cand --config 'Configuration file [default: <root>/tend.toml]'
            cand --dry-run 'Compute and print everything; send nothing, write nothing'
            cand --json 'Print JSON Lines: one object per item, then a summary object'
            cand -q 'Print nothing but errors'
            cand --quiet 'Print nothing but errors'
            cand -v 'Print a line per item processed'
            cand --verbose 'Print a line per item processed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tend;help'= {
            cand init 'Create the state root''s layout and a commented tend.toml'
            cand probe 'Run health probes: Nagios plugins, JSON probes, http and tcp checks'
            cand wake 'Turn wake requests into debounced, investigated operator messages'
            cand alerts 'Push newly firing alerts to Slack, email, a webhook or stdout without spam'
            cand incidents 'Show incidents: one per problem, from its first failure to its resolution'
            cand watchers 'Flag entities that silently stalled (flag-only, deterministic watchers)'
            cand gc 'Remove orphaned agent checkpoints and old audit segments, safely'
            cand promote 'Observe the platform''s telemetry, propose changes, review them from the shell'
            cand status 'Show each command''s last run, overdue commands, lock holders, cursor lag'
            cand report 'Write a status page, or print a report: uptime, latency, incidents, spend'
            cand doctor 'Check the root and explain how to recover from what is found'
            cand config 'Check or show the configuration'
            cand audit 'Append to or read the audit log'
            cand tick 'Run every loop once, in order (one crontab line for all of them)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tend;help;init'= {
        }
        &'tend;help;probe'= {
            cand run 'Run every enabled probe (or the named ones) once'
        }
        &'tend;help;probe;run'= {
        }
        &'tend;help;wake'= {
            cand consume 'Debounce new wake requests, investigate each one due, message the operator'
        }
        &'tend;help;wake;consume'= {
        }
        &'tend;help;alerts'= {
            cand notify 'Notify newly firing alerts (the cron line, every few minutes)'
            cand list 'Show active, notified, suppressed, silenced and queued alerts'
            cand digest 'Send the info alerts queued by info_mode = "digest" as one message (daily cron line)'
            cand test 'Send a clearly labelled test message through the real channel'
            cand silence 'Mute matching alerts for a while'
        }
        &'tend;help;alerts;notify'= {
        }
        &'tend;help;alerts;list'= {
        }
        &'tend;help;alerts;digest'= {
        }
        &'tend;help;alerts;test'= {
        }
        &'tend;help;alerts;silence'= {
            cand add 'Mute alerts matching every --match for a while'
            cand list 'Show active silences (--all: expired ones too)'
            cand expire 'End a silence now'
        }
        &'tend;help;alerts;silence;add'= {
        }
        &'tend;help;alerts;silence;list'= {
        }
        &'tend;help;alerts;silence;expire'= {
        }
        &'tend;help;incidents'= {
            cand list 'List open and recently resolved incidents, with the command that silences each'
            cand show 'Show an incident''s timeline: results, wakes, messages, diagnosis, resolution'
        }
        &'tend;help;incidents;list'= {
        }
        &'tend;help;incidents;show'= {
        }
        &'tend;help;watchers'= {
            cand tick 'Run the enabled watchers (or the named ones) once'
            cand list 'List the configured watchers: enabled, their actor''s state, last run'
            cand explain 'Print the decision an entity would get now, with the reasoning'
        }
        &'tend;help;watchers;tick'= {
        }
        &'tend;help;watchers;list'= {
        }
        &'tend;help;watchers;explain'= {
        }
        &'tend;help;gc'= {
            cand checkpoints 'Delete checkpoint threads whose session is gone ([gc.checkpoints])'
            cand audit 'Remove audit segments older than --keep-days (by their file date)'
        }
        &'tend;help;gc;checkpoints'= {
        }
        &'tend;help;gc;audit'= {
        }
        &'tend;help;promote'= {
            cand observe 'Read the audit log over each loop''s window into observations/<loop>.json'
            cand propose 'Turn the latest observations into pending proposals'
            cand run 'Observe, propose and expire: the usual cron line'
            cand list 'List proposals as a table: id, loop, subject, age, status'
            cand show 'Show one proposal: a summary with its rationale (--json: the proposal)'
            cand approve 'Approve a pending proposal, after checking its evidence afresh'
            cand reject 'Reject a pending proposal (its subject is not proposed again for ttl_days)'
            cand expire 'Move pending proposals older than ttl_days to expired/'
        }
        &'tend;help;promote;observe'= {
        }
        &'tend;help;promote;propose'= {
        }
        &'tend;help;promote;run'= {
        }
        &'tend;help;promote;list'= {
        }
        &'tend;help;promote;show'= {
        }
        &'tend;help;promote;approve'= {
        }
        &'tend;help;promote;reject'= {
        }
        &'tend;help;promote;expire'= {
        }
        &'tend;help;status'= {
        }
        &'tend;help;report'= {
        }
        &'tend;help;doctor'= {
        }
        &'tend;help;config'= {
            cand check 'Validate the configuration (file, environment overrides) and exit'
            cand show 'Print the effective configuration, defaults marked, secrets redacted'
        }
        &'tend;help;config;check'= {
        }
        &'tend;help;config;show'= {
        }
        &'tend;help;audit'= {
            cand emit 'Append one validated row to today''s segment'
            cand tail 'Print rows of the audit log (the last 10 by default)'
        }
        &'tend;help;audit;emit'= {
        }
        &'tend;help;audit;tail'= {
        }
        &'tend;help;tick'= {
        }
        &'tend;help;help'= {
        }
    ]
    $completions[$command]
}
