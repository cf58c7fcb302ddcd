
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'tend' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'tend'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'tend' {
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'State root directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: <root>/tend.toml]')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines: one object per item, then a summary object')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Compute and print everything; send nothing, write nothing')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Create the state root''s layout and a commented tend.toml')
            [CompletionResult]::new('probe', 'probe', [CompletionResultType]::ParameterValue, 'Run health probes: Nagios plugins, JSON probes, http and tcp checks')
            [CompletionResult]::new('wake', 'wake', [CompletionResultType]::ParameterValue, 'Turn wake requests into debounced, investigated operator messages')
            [CompletionResult]::new('alerts', 'alerts', [CompletionResultType]::ParameterValue, 'Push newly firing alerts to Slack, email, a webhook or stdout without spam')
            [CompletionResult]::new('incidents', 'incidents', [CompletionResultType]::ParameterValue, 'Show incidents: one per problem, from its first failure to its resolution')
            [CompletionResult]::new('watchers', 'watchers', [CompletionResultType]::ParameterValue, 'Flag entities that silently stalled (flag-only, deterministic watchers)')
            [CompletionResult]::new('gc', 'gc', [CompletionResultType]::ParameterValue, 'Remove orphaned agent checkpoints and old audit segments, safely')
            [CompletionResult]::new('promote', 'promote', [CompletionResultType]::ParameterValue, 'Observe the platform''s telemetry, propose changes, review them from the shell')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show each command''s last run, overdue commands, lock holders, cursor lag')
            [CompletionResult]::new('report', 'report', [CompletionResultType]::ParameterValue, 'Write a status page, or print a report: uptime, latency, incidents, spend')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check the root and explain how to recover from what is found')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Check or show the configuration')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Append to or read the audit log')
            [CompletionResult]::new('tick', 'tick', [CompletionResultType]::ParameterValue, 'Run every loop once, in order (one crontab line for all of them)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tend;init' {
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'State root directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: <root>/tend.toml]')
            [CompletionResult]::new('--example', '--example', [CompletionResultType]::ParameterName, 'Also install example probes and watcher fixtures that work offline')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Compute and print everything; send nothing, write nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines: one object per item, then a summary object')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tend;probe' {
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'State root directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: <root>/tend.toml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines: one object per item, then a summary object')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Run every enabled probe (or the named ones) once')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tend;probe;run' {
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'State root directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: <root>/tend.toml]')
            [CompletionResult]::new('--nagios-exit', '--nagios-exit', [CompletionResultType]::ParameterName, 'Exit with the worst probe state: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Compute and print everything; send nothing, write nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines: one object per item, then a summary object')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tend;probe;help' {
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Run every enabled probe (or the named ones) once')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tend;probe;help;run' {
            break
        }
        'tend;probe;help;help' {
            break
        }
        'tend;wake' {
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'State root directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: <root>/tend.toml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines: one object per item, then a summary object')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('consume', 'consume', [CompletionResultType]::ParameterValue, 'Debounce new wake requests, investigate each one due, message the operator')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tend;wake;consume' {
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Replay wake requests at or after this instant (RFC 3339 or YYYY-MM-DD)')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'State root directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: <root>/tend.toml]')
            [CompletionResult]::new('--from-start', '--from-start', [CompletionResultType]::ParameterName, 'Replay the whole audit log instead of continuing from the cursor')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Compute and print everything; send nothing, write nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines: one object per item, then a summary object')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tend;wake;help' {
            [CompletionResult]::new('consume', 'consume', [CompletionResultType]::ParameterValue, 'Debounce new wake requests, investigate each one due, message the operator')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tend;wake;help;consume' {
            break
        }
        'tend;wake;help;help' {
            break
        }
        'tend;alerts' {
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'State root directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: <root>/tend.toml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines: one object per item, then a summary object')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('notify', 'notify', [CompletionResultType]::ParameterValue, 'Notify newly firing alerts (the cron line, every few minutes)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Show active, notified, suppressed, silenced and queued alerts')
            [CompletionResult]::new('digest', 'digest', [CompletionResultType]::ParameterValue, 'Send the info alerts queued by info_mode = "digest" as one message (daily cron line)')
            [CompletionResult]::new('test', 'test', [CompletionResultType]::ParameterValue, 'Send a clearly labelled test message through the real channel')
            [CompletionResult]::new('silence', 'silence', [CompletionResultType]::ParameterValue, 'Mute matching alerts for a while')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tend;alerts;notify' {
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Also read active alerts from FILE (`-` for standard input); repeatable')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'State root directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: <root>/tend.toml]')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Compute and print everything; send nothing, write nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines: one object per item, then a summary object')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tend;alerts;list' {
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Also read active alerts from FILE (`-` for standard input); repeatable')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'State root directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: <root>/tend.toml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines: one object per item, then a summary object')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tend;alerts;digest' {
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'State root directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: <root>/tend.toml]')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Compute and print everything; send nothing, write nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines: one object per item, then a summary object')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tend;alerts;test' {
            [CompletionResult]::new('--channel', '--channel', [CompletionResultType]::ParameterName, 'The channel to test [default: every channel the alert routes use]')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'State root directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: <root>/tend.toml]')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Compute and print everything; send nothing, write nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines: one object per item, then a summary object')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tend;alerts;silence' {
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'State root directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: <root>/tend.toml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines: one object per item, then a summary object')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Mute alerts matching every --match for a while')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Show active silences (--all: expired ones too)')
            [CompletionResult]::new('expire', 'expire', [CompletionResultType]::ParameterValue, 'End a silence now')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tend;alerts;silence;add' {
            [CompletionResult]::new('--match', '--match', [CompletionResultType]::ParameterName, 'KEY=VALUE with KEY one of id, category, severity, source (exact values; all must match)')
            [CompletionResult]::new('--for', '--for', [CompletionResultType]::ParameterName, 'How long, e.g. 30m, 2h, 1d')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (shown in `silence list`)')
            [CompletionResult]::new('--by', '--by', [CompletionResultType]::ParameterName, 'Who silences [default: $SUDO_USER, else $USER]')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'State root directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: <root>/tend.toml]')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Compute and print everything; send nothing, write nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines: one object per item, then a summary object')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tend;alerts;silence;list' {
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'State root directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: <root>/tend.toml]')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Also show expired silences')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines: one object per item, then a summary object')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tend;alerts;silence;expire' {
            [CompletionResult]::new('--by', '--by', [CompletionResultType]::ParameterName, 'Who ends it [default: $SUDO_USER, else $USER]')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'State root directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: <root>/tend.toml]')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Compute and print everything; send nothing, write nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines: one object per item, then a summary object')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tend;alerts;silence;help' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Mute alerts matching every --match for a while')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Show active silences (--all: expired ones too)')
            [CompletionResult]::new('expire', 'expire', [CompletionResultType]::ParameterValue, 'End a silence now')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tend;alerts;silence;help;add' {
            break
        }
        'tend;alerts;silence;help;list' {
            break
        }
        'tend;alerts;silence;help;expire' {
            break
        }
        'tend;alerts;silence;help;help' {
            break
        }
        'tend;alerts;help' {
            [CompletionResult]::new('notify', 'notify', [CompletionResultType]::ParameterValue, 'Notify newly firing alerts (the cron line, every few minutes)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Show active, notified, suppressed, silenced and queued alerts')
            [CompletionResult]::new('digest', 'digest', [CompletionResultType]::ParameterValue, 'Send the info alerts queued by info_mode = "digest" as one message (daily cron line)')
            [CompletionResult]::new('test', 'test', [CompletionResultType]::ParameterValue, 'Send a clearly labelled test message through the real channel')
            [CompletionResult]::new('silence', 'silence', [CompletionResultType]::ParameterValue, 'Mute matching alerts for a while')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tend;alerts;help;notify' {
            break
        }
        'tend;alerts;help;list' {
            break
        }
        'tend;alerts;help;digest' {
            break
        }
        'tend;alerts;help;test' {
            break
        }
        'tend;alerts;help;silence' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Mute alerts matching every --match for a while')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Show active silences (--all: expired ones too)')
            [CompletionResult]::new('expire', 'expire', [CompletionResultType]::ParameterValue, 'End a silence now')
            break
        }
        'tend;alerts;help;silence;add' {
            break
        }
        'tend;alerts;help;silence;list' {
            break
        }
        'tend;alerts;help;silence;expire' {
            break
        }
        'tend;alerts;help;help' {
            break
        }
        'tend;incidents' {
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'State root directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: <root>/tend.toml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines: one object per item, then a summary object')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List open and recently resolved incidents, with the command that silences each')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show an incident''s timeline: results, wakes, messages, diagnosis, resolution')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tend;incidents;list' {
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'State root directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: <root>/tend.toml]')
            [CompletionResult]::new('--open', '--open', [CompletionResultType]::ParameterName, 'Only the open incidents')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines: one object per item, then a summary object')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tend;incidents;show' {
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'State root directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: <root>/tend.toml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines: one object per item, then a summary object')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tend;incidents;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List open and recently resolved incidents, with the command that silences each')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show an incident''s timeline: results, wakes, messages, diagnosis, resolution')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tend;incidents;help;list' {
            break
        }
        'tend;incidents;help;show' {
            break
        }
        'tend;incidents;help;help' {
            break
        }
        'tend;watchers' {
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'State root directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: <root>/tend.toml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines: one object per item, then a summary object')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('tick', 'tick', [CompletionResultType]::ParameterValue, 'Run the enabled watchers (or the named ones) once')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the configured watchers: enabled, their actor''s state, last run')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Print the decision an entity would get now, with the reasoning')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tend;watchers;tick' {
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'State root directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: <root>/tend.toml]')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Compute and print everything; send nothing, write nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines: one object per item, then a summary object')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tend;watchers;list' {
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'State root directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: <root>/tend.toml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines: one object per item, then a summary object')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tend;watchers;explain' {
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'State root directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: <root>/tend.toml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines: one object per item, then a summary object')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tend;watchers;help' {
            [CompletionResult]::new('tick', 'tick', [CompletionResultType]::ParameterValue, 'Run the enabled watchers (or the named ones) once')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the configured watchers: enabled, their actor''s state, last run')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Print the decision an entity would get now, with the reasoning')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tend;watchers;help;tick' {
            break
        }
        'tend;watchers;help;list' {
            break
        }
        'tend;watchers;help;explain' {
            break
        }
        'tend;watchers;help;help' {
            break
        }
        'tend;gc' {
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'State root directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: <root>/tend.toml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines: one object per item, then a summary object')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('checkpoints', 'checkpoints', [CompletionResultType]::ParameterValue, 'Delete checkpoint threads whose session is gone ([gc.checkpoints])')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Remove audit segments older than --keep-days (by their file date)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tend;gc;checkpoints' {
            [CompletionResult]::new('--min-age', '--min-age', [CompletionResultType]::ParameterName, 'Keep a gone session touched more recently than this [default: [gc.checkpoints] min_age, 1h]')
            [CompletionResult]::new('--max-deletions', '--max-deletions', [CompletionResultType]::ParameterName, 'Delete at most N threads this run [default: [gc.checkpoints] max_deletions, 1000]')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'State root directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: <root>/tend.toml]')
            [CompletionResult]::new('--allow-empty', '--allow-empty', [CompletionResultType]::ParameterName, 'Delete even when the sessions source returned no session at all')
            [CompletionResult]::new('--vacuum', '--vacuum', [CompletionResultType]::ParameterName, 'Reclaim the space of deleted threads afterwards (SQLite VACUUM; Postgres VACUUM)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Compute and print everything; send nothing, write nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines: one object per item, then a summary object')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tend;gc;audit' {
            [CompletionResult]::new('--keep-days', '--keep-days', [CompletionResultType]::ParameterName, 'Keep the segments of the last N days (by file date, UTC)')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'State root directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: <root>/tend.toml]')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Allow a --keep-days shorter than the longest promote window')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Compute and print everything; send nothing, write nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines: one object per item, then a summary object')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tend;gc;help' {
            [CompletionResult]::new('checkpoints', 'checkpoints', [CompletionResultType]::ParameterValue, 'Delete checkpoint threads whose session is gone ([gc.checkpoints])')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Remove audit segments older than --keep-days (by their file date)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tend;gc;help;checkpoints' {
            break
        }
        'tend;gc;help;audit' {
            break
        }
        'tend;gc;help;help' {
            break
        }
        'tend;promote' {
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'State root directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: <root>/tend.toml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines: one object per item, then a summary object')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('observe', 'observe', [CompletionResultType]::ParameterValue, 'Read the audit log over each loop''s window into observations/<loop>.json')
            [CompletionResult]::new('propose', 'propose', [CompletionResultType]::ParameterValue, 'Turn the latest observations into pending proposals')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Observe, propose and expire: the usual cron line')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List proposals as a table: id, loop, subject, age, status')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one proposal: a summary with its rationale (--json: the proposal)')
            [CompletionResult]::new('approve', 'approve', [CompletionResultType]::ParameterValue, 'Approve a pending proposal, after checking its evidence afresh')
            [CompletionResult]::new('reject', 'reject', [CompletionResultType]::ParameterValue, 'Reject a pending proposal (its subject is not proposed again for ttl_days)')
            [CompletionResult]::new('expire', 'expire', [CompletionResultType]::ParameterValue, 'Move pending proposals older than ttl_days to expired/')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tend;promote;observe' {
            [CompletionResult]::new('--input', '--input', [CompletionResultType]::ParameterName, 'Also read these JSON Lines files (or directories of *.jsonl) (repeatable)')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'State root directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: <root>/tend.toml]')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Compute and print everything; send nothing, write nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines: one object per item, then a summary object')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tend;promote;propose' {
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'State root directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: <root>/tend.toml]')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Compute and print everything; send nothing, write nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines: one object per item, then a summary object')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tend;promote;run' {
            [CompletionResult]::new('--input', '--input', [CompletionResultType]::ParameterName, 'Also read these JSON Lines files (or directories of *.jsonl) (repeatable)')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'State root directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: <root>/tend.toml]')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Compute and print everything; send nothing, write nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines: one object per item, then a summary object')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tend;promote;list' {
            [CompletionResult]::new('--loop', '--loop', [CompletionResultType]::ParameterName, 'Only this loop''s proposals')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'Only proposals with this status: pending, approved, rejected, expired')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'State root directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: <root>/tend.toml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines: one object per item, then a summary object')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tend;promote;show' {
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'State root directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: <root>/tend.toml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines: one object per item, then a summary object')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tend;promote;approve' {
            [CompletionResult]::new('--note', '--note', [CompletionResultType]::ParameterName, 'A note recorded with the decision')
            [CompletionResult]::new('--by', '--by', [CompletionResultType]::ParameterName, 'Who decides [default: $SUDO_USER, else $USER]')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Seconds to wait for another reviewer''s lock')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'State root directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: <root>/tend.toml]')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Approve even when the evidence changed (recorded in the proposal)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Compute and print everything; send nothing, write nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines: one object per item, then a summary object')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tend;promote;reject' {
            [CompletionResult]::new('--note', '--note', [CompletionResultType]::ParameterName, 'Why (recorded with the decision)')
            [CompletionResult]::new('--by', '--by', [CompletionResultType]::ParameterName, 'Who decides [default: $SUDO_USER, else $USER]')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Seconds to wait for another reviewer''s lock')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'State root directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: <root>/tend.toml]')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Compute and print everything; send nothing, write nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines: one object per item, then a summary object')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tend;promote;expire' {
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'State root directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: <root>/tend.toml]')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Compute and print everything; send nothing, write nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines: one object per item, then a summary object')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tend;promote;help' {
            [CompletionResult]::new('observe', 'observe', [CompletionResultType]::ParameterValue, 'Read the audit log over each loop''s window into observations/<loop>.json')
            [CompletionResult]::new('propose', 'propose', [CompletionResultType]::ParameterValue, 'Turn the latest observations into pending proposals')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Observe, propose and expire: the usual cron line')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List proposals as a table: id, loop, subject, age, status')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one proposal: a summary with its rationale (--json: the proposal)')
            [CompletionResult]::new('approve', 'approve', [CompletionResultType]::ParameterValue, 'Approve a pending proposal, after checking its evidence afresh')
            [CompletionResult]::new('reject', 'reject', [CompletionResultType]::ParameterValue, 'Reject a pending proposal (its subject is not proposed again for ttl_days)')
            [CompletionResult]::new('expire', 'expire', [CompletionResultType]::ParameterValue, 'Move pending proposals older than ttl_days to expired/')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tend;promote;help;observe' {
            break
        }
        'tend;promote;help;propose' {
            break
        }
        'tend;promote;help;run' {
            break
        }
        'tend;promote;help;list' {
            break
        }
        'tend;promote;help;show' {
            break
        }
        'tend;promote;help;approve' {
            break
        }
        'tend;promote;help;reject' {
            break
        }
        'tend;promote;help;expire' {
            break
        }
        'tend;promote;help;help' {
            break
        }
        'tend;status' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: human text, or the Prometheus text format')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'State root directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: <root>/tend.toml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines: one object per item, then a summary object')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tend;report' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: html with --out, else text]')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write DIR/index.html (report.txt, report.json for the other formats) instead of printing')
            [CompletionResult]::new('--window', '--window', [CompletionResultType]::ParameterName, 'What the report covers, ending now (whole hours) [default: [report] window]')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'State root directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: <root>/tend.toml]')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Compute and print everything; send nothing, write nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines: one object per item, then a summary object')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tend;doctor' {
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'State root directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: <root>/tend.toml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines: one object per item, then a summary object')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tend;config' {
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'State root directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: <root>/tend.toml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines: one object per item, then a summary object')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Validate the configuration (file, environment overrides) and exit')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the effective configuration, defaults marked, secrets redacted')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tend;config;check' {
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'State root directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: <root>/tend.toml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines: one object per item, then a summary object')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tend;config;show' {
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'State root directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: <root>/tend.toml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines: one object per item, then a summary object')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tend;config;help' {
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Validate the configuration (file, environment overrides) and exit')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the effective configuration, defaults marked, secrets redacted')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tend;config;help;check' {
            break
        }
        'tend;config;help;show' {
            break
        }
        'tend;config;help;help' {
            break
        }
        'tend;audit' {
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'State root directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: <root>/tend.toml]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines: one object per item, then a summary object')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('emit', 'emit', [CompletionResultType]::ParameterValue, 'Append one validated row to today''s segment')
            [CompletionResult]::new('tail', 'tail', [CompletionResultType]::ParameterValue, 'Print rows of the audit log (the last 10 by default)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tend;audit;emit' {
            [CompletionResult]::new('--kind', '--kind', [CompletionResultType]::ParameterName, 'Row kind, e.g. probe.wake_requested')
            [CompletionResult]::new('--details', '--details', [CompletionResultType]::ParameterName, 'Details as a JSON object; `-` reads it from standard input (at most 64 MiB)')
            [CompletionResult]::new('--correlation-key', '--correlation-key', [CompletionResultType]::ParameterName, 'Correlation key, e.g. probe:fly:machine_down')
            [CompletionResult]::new('--id', '--id', [CompletionResultType]::ParameterName, 'Idempotency key: a retry with the same key adds no second row')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'State root directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: <root>/tend.toml]')
            [CompletionResult]::new('--batch', '--batch', [CompletionResultType]::ParameterName, 'Read rows as JSON Lines on standard input and append them all at once')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Compute and print everything; send nothing, write nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines: one object per item, then a summary object')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tend;audit;tail' {
            [CompletionResult]::new('--kind', '--kind', [CompletionResultType]::ParameterName, 'Only rows of this kind (repeatable)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only rows at or after this instant (RFC 3339 or YYYY-MM-DD)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'How many of the last matching rows to print; `all` for every one')
            [CompletionResult]::new('--lines', '--lines', [CompletionResultType]::ParameterName, 'How many of the last matching rows to print; `all` for every one')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'State root directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: <root>/tend.toml]')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Keep printing rows as they are appended (until interrupted)')
            [CompletionResult]::new('--follow', '--follow', [CompletionResultType]::ParameterName, 'Keep printing rows as they are appended (until interrupted)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines: one object per item, then a summary object')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tend;audit;help' {
            [CompletionResult]::new('emit', 'emit', [CompletionResultType]::ParameterValue, 'Append one validated row to today''s segment')
            [CompletionResult]::new('tail', 'tail', [CompletionResultType]::ParameterValue, 'Print rows of the audit log (the last 10 by default)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tend;audit;help;emit' {
            break
        }
        'tend;audit;help;tail' {
            break
        }
        'tend;audit;help;help' {
            break
        }
        'tend;tick' {
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'State root directory')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: <root>/tend.toml]')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Compute and print everything; send nothing, write nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines: one object per item, then a summary object')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per item processed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tend;help' {
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Create the state root''s layout and a commented tend.toml')
            [CompletionResult]::new('probe', 'probe', [CompletionResultType]::ParameterValue, 'Run health probes: Nagios plugins, JSON probes, http and tcp checks')
            [CompletionResult]::new('wake', 'wake', [CompletionResultType]::ParameterValue, 'Turn wake requests into debounced, investigated operator messages')
            [CompletionResult]::new('alerts', 'alerts', [CompletionResultType]::ParameterValue, 'Push newly firing alerts to Slack, email, a webhook or stdout without spam')
            [CompletionResult]::new('incidents', 'incidents', [CompletionResultType]::ParameterValue, 'Show incidents: one per problem, from its first failure to its resolution')
            [CompletionResult]::new('watchers', 'watchers', [CompletionResultType]::ParameterValue, 'Flag entities that silently stalled (flag-only, deterministic watchers)')
            [CompletionResult]::new('gc', 'gc', [CompletionResultType]::ParameterValue, 'Remove orphaned agent checkpoints and old audit segments, safely')
            [CompletionResult]::new('promote', 'promote', [CompletionResultType]::ParameterValue, 'Observe the platform''s telemetry, propose changes, review them from the shell')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show each command''s last run, overdue commands, lock holders, cursor lag')
            [CompletionResult]::new('report', 'report', [CompletionResultType]::ParameterValue, 'Write a status page, or print a report: uptime, latency, incidents, spend')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check the root and explain how to recover from what is found')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Check or show the configuration')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Append to or read the audit log')
            [CompletionResult]::new('tick', 'tick', [CompletionResultType]::ParameterValue, 'Run every loop once, in order (one crontab line for all of them)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tend;help;init' {
            break
        }
        'tend;help;probe' {
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Run every enabled probe (or the named ones) once')
            break
        }
        'tend;help;probe;run' {
            break
        }
        'tend;help;wake' {
            [CompletionResult]::new('consume', 'consume', [CompletionResultType]::ParameterValue, 'Debounce new wake requests, investigate each one due, message the operator')
            break
        }
        'tend;help;wake;consume' {
            break
        }
        'tend;help;alerts' {
            [CompletionResult]::new('notify', 'notify', [CompletionResultType]::ParameterValue, 'Notify newly firing alerts (the cron line, every few minutes)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Show active, notified, suppressed, silenced and queued alerts')
            [CompletionResult]::new('digest', 'digest', [CompletionResultType]::ParameterValue, 'Send the info alerts queued by info_mode = "digest" as one message (daily cron line)')
            [CompletionResult]::new('test', 'test', [CompletionResultType]::ParameterValue, 'Send a clearly labelled test message through the real channel')
            [CompletionResult]::new('silence', 'silence', [CompletionResultType]::ParameterValue, 'Mute matching alerts for a while')
            break
        }
        'tend;help;alerts;notify' {
            break
        }
        'tend;help;alerts;list' {
            break
        }
        'tend;help;alerts;digest' {
            break
        }
        'tend;help;alerts;test' {
            break
        }
        'tend;help;alerts;silence' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Mute alerts matching every --match for a while')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Show active silences (--all: expired ones too)')
            [CompletionResult]::new('expire', 'expire', [CompletionResultType]::ParameterValue, 'End a silence now')
            break
        }
        'tend;help;alerts;silence;add' {
            break
        }
        'tend;help;alerts;silence;list' {
            break
        }
        'tend;help;alerts;silence;expire' {
            break
        }
        'tend;help;incidents' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List open and recently resolved incidents, with the command that silences each')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show an incident''s timeline: results, wakes, messages, diagnosis, resolution')
            break
        }
        'tend;help;incidents;list' {
            break
        }
        'tend;help;incidents;show' {
            break
        }
        'tend;help;watchers' {
            [CompletionResult]::new('tick', 'tick', [CompletionResultType]::ParameterValue, 'Run the enabled watchers (or the named ones) once')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the configured watchers: enabled, their actor''s state, last run')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Print the decision an entity would get now, with the reasoning')
            break
        }
        'tend;help;watchers;tick' {
            break
        }
        'tend;help;watchers;list' {
            break
        }
        'tend;help;watchers;explain' {
            break
        }
        'tend;help;gc' {
            [CompletionResult]::new('checkpoints', 'checkpoints', [CompletionResultType]::ParameterValue, 'Delete checkpoint threads whose session is gone ([gc.checkpoints])')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Remove audit segments older than --keep-days (by their file date)')
            break
        }
        'tend;help;gc;checkpoints' {
            break
        }
        'tend;help;gc;audit' {
            break
        }
        'tend;help;promote' {
            [CompletionResult]::new('observe', 'observe', [CompletionResultType]::ParameterValue, 'Read the audit log over each loop''s window into observations/<loop>.json')
            [CompletionResult]::new('propose', 'propose', [CompletionResultType]::ParameterValue, 'Turn the latest observations into pending proposals')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Observe, propose and expire: the usual cron line')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List proposals as a table: id, loop, subject, age, status')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one proposal: a summary with its rationale (--json: the proposal)')
            [CompletionResult]::new('approve', 'approve', [CompletionResultType]::ParameterValue, 'Approve a pending proposal, after checking its evidence afresh')
            [CompletionResult]::new('reject', 'reject', [CompletionResultType]::ParameterValue, 'Reject a pending proposal (its subject is not proposed again for ttl_days)')
            [CompletionResult]::new('expire', 'expire', [CompletionResultType]::ParameterValue, 'Move pending proposals older than ttl_days to expired/')
            break
        }
        'tend;help;promote;observe' {
            break
        }
        'tend;help;promote;propose' {
            break
        }
        'tend;help;promote;run' {
            break
        }
        'tend;help;promote;list' {
            break
        }
        'tend;help;promote;show' {
            break
        }
        'tend;help;promote;approve' {
            break
        }
        'tend;help;promote;reject' {
            break
        }
        'tend;help;promote;expire' {
            break
        }
        'tend;help;status' {
            break
        }
        'tend;help;report' {
            break
        }
        'tend;help;doctor' {
            break
        }
        'tend;help;config' {
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Validate the configuration (file, environment overrides) and exit')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the effective configuration, defaults marked, secrets redacted')
            break
        }
        'tend;help;config;check' {
            break
        }
        'tend;help;config;show' {
            break
        }
        'tend;help;audit' {
            [CompletionResult]::new('emit', 'emit', [CompletionResultType]::ParameterValue, 'Append one validated row to today''s segment')
            [CompletionResult]::new('tail', 'tail', [CompletionResultType]::ParameterValue, 'Print rows of the audit log (the last 10 by default)')
            break
        }
        'tend;help;audit;emit' {
            break
        }
        'tend;help;audit;tail' {
            break
        }
        'tend;help;tick' {
            break
        }
        'tend;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
