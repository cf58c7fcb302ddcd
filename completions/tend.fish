# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_tend_global_optspecs
    string join \n root= config= json q/quiet v/verbose now= dry-run h/help V/version
end

function __fish_tend_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_tend_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_tend_using_subcommand
    set -l cmd (__fish_tend_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c tend -n "__fish_tend_needs_command" -l root -d 'State root directory' -r -f -a "(__fish_complete_directories)"
complete -c tend -n "__fish_tend_needs_command" -l config -d 'Configuration file [default: <root>/tend.toml]' -r -F
complete -c tend -n "__fish_tend_needs_command" -l now -d 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)' -r
complete -c tend -n "__fish_tend_needs_command" -l json -d 'Print JSON Lines: one object per item, then a summary object'
complete -c tend -n "__fish_tend_needs_command" -s q -l quiet -d 'Print nothing but errors'
complete -c tend -n "__fish_tend_needs_command" -s v -l verbose -d 'Print a line per item processed'
complete -c tend -n "__fish_tend_needs_command" -l dry-run -d 'Compute and print everything; send nothing, write nothing'
complete -c tend -n "__fish_tend_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tend -n "__fish_tend_needs_command" -s V -l version -d 'Print version'
complete -c tend -n "__fish_tend_needs_command" -f -a "init" -d 'Create the state root\'s layout and a commented tend.toml'
complete -c tend -n "__fish_tend_needs_command" -f -a "probe" -d 'Run health probes: Nagios plugins, JSON probes, http and tcp checks'
complete -c tend -n "__fish_tend_needs_command" -f -a "wake" -d 'Turn wake requests into debounced, investigated operator messages'
complete -c tend -n "__fish_tend_needs_command" -f -a "alerts" -d 'Push newly firing alerts to Slack, email, a webhook or stdout without spam'
complete -c tend -n "__fish_tend_needs_command" -f -a "incidents" -d 'Show incidents: one per problem, from its first failure to its resolution'
complete -c tend -n "__fish_tend_needs_command" -f -a "watchers" -d 'Flag entities that silently stalled (flag-only, deterministic watchers)'
complete -c tend -n "__fish_tend_needs_command" -f -a "gc" -d 'Remove orphaned agent checkpoints and old audit segments, safely'
complete -c tend -n "__fish_tend_needs_command" -f -a "promote" -d 'Observe the platform\'s telemetry, propose changes, review them from the shell'
complete -c tend -n "__fish_tend_needs_command" -f -a "status" -d 'Show each command\'s last run, overdue commands, lock holders, cursor lag'
complete -c tend -n "__fish_tend_needs_command" -f -a "report" -d 'Write a status page, or print a report: uptime, latency, incidents, spend'
complete -c tend -n "__fish_tend_needs_command" -f -a "doctor" -d 'Check the root and explain how to recover from what is found'
complete -c tend -n "__fish_tend_needs_command" -f -a "config" -d 'Check or show the configuration'
complete -c tend -n "__fish_tend_needs_command" -f -a "audit" -d 'Append to or read the audit log'
complete -c tend -n "__fish_tend_needs_command" -f -a "tick" -d 'Run every loop once, in order (one crontab line for all of them)'
complete -c tend -n "__fish_tend_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tend -n "__fish_tend_using_subcommand init" -l now -d 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)' -r
complete -c tend -n "__fish_tend_using_subcommand init" -l root -d 'State root directory' -r -f -a "(__fish_complete_directories)"
complete -c tend -n "__fish_tend_using_subcommand init" -l config -d 'Configuration file [default: <root>/tend.toml]' -r -F
complete -c tend -n "__fish_tend_using_subcommand init" -l example -d 'Also install example probes and watcher fixtures that work offline'
complete -c tend -n "__fish_tend_using_subcommand init" -l dry-run -d 'Compute and print everything; send nothing, write nothing'
complete -c tend -n "__fish_tend_using_subcommand init" -l json -d 'Print JSON Lines: one object per item, then a summary object'
complete -c tend -n "__fish_tend_using_subcommand init" -s q -l quiet -d 'Print nothing but errors'
complete -c tend -n "__fish_tend_using_subcommand init" -s v -l verbose -d 'Print a line per item processed'
complete -c tend -n "__fish_tend_using_subcommand init" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tend -n "__fish_tend_using_subcommand init" -s V -l version -d 'Print version'
complete -c tend -n "__fish_tend_using_subcommand probe; and not __fish_seen_subcommand_from run help" -l root -d 'State root directory' -r -f -a "(__fish_complete_directories)"
complete -c tend -n "__fish_tend_using_subcommand probe; and not __fish_seen_subcommand_from run help" -l config -d 'Configuration file [default: <root>/tend.toml]' -r -F
complete -c tend -n "__fish_tend_using_subcommand probe; and not __fish_seen_subcommand_from run help" -l json -d 'Print JSON Lines: one object per item, then a summary object'
complete -c tend -n "__fish_tend_using_subcommand probe; and not __fish_seen_subcommand_from run help" -s q -l quiet -d 'Print nothing but errors'
complete -c tend -n "__fish_tend_using_subcommand probe; and not __fish_seen_subcommand_from run help" -s v -l verbose -d 'Print a line per item processed'
complete -c tend -n "__fish_tend_using_subcommand probe; and not __fish_seen_subcommand_from run help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tend -n "__fish_tend_using_subcommand probe; and not __fish_seen_subcommand_from run help" -s V -l version -d 'Print version'
complete -c tend -n "__fish_tend_using_subcommand probe; and not __fish_seen_subcommand_from run help" -f -a "run" -d 'Run every enabled probe (or the named ones) once'
complete -c tend -n "__fish_tend_using_subcommand probe; and not __fish_seen_subcommand_from run help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tend -n "__fish_tend_using_subcommand probe; and __fish_seen_subcommand_from run" -l now -d 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)' -r
complete -c tend -n "__fish_tend_using_subcommand probe; and __fish_seen_subcommand_from run" -l root -d 'State root directory' -r -f -a "(__fish_complete_directories)"
complete -c tend -n "__fish_tend_using_subcommand probe; and __fish_seen_subcommand_from run" -l config -d 'Configuration file [default: <root>/tend.toml]' -r -F
complete -c tend -n "__fish_tend_using_subcommand probe; and __fish_seen_subcommand_from run" -l nagios-exit -d 'Exit with the worst probe state: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN'
complete -c tend -n "__fish_tend_using_subcommand probe; and __fish_seen_subcommand_from run" -l dry-run -d 'Compute and print everything; send nothing, write nothing'
complete -c tend -n "__fish_tend_using_subcommand probe; and __fish_seen_subcommand_from run" -l json -d 'Print JSON Lines: one object per item, then a summary object'
complete -c tend -n "__fish_tend_using_subcommand probe; and __fish_seen_subcommand_from run" -s q -l quiet -d 'Print nothing but errors'
complete -c tend -n "__fish_tend_using_subcommand probe; and __fish_seen_subcommand_from run" -s v -l verbose -d 'Print a line per item processed'
complete -c tend -n "__fish_tend_using_subcommand probe; and __fish_seen_subcommand_from run" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tend -n "__fish_tend_using_subcommand probe; and __fish_seen_subcommand_from run" -s V -l version -d 'Print version'
complete -c tend -n "__fish_tend_using_subcommand probe; and __fish_seen_subcommand_from help" -f -a "run" -d 'Run every enabled probe (or the named ones) once'
complete -c tend -n "__fish_tend_using_subcommand probe; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tend -n "__fish_tend_using_subcommand wake; and not __fish_seen_subcommand_from consume help" -l root -d 'State root directory' -r -f -a "(__fish_complete_directories)"
complete -c tend -n "__fish_tend_using_subcommand wake; and not __fish_seen_subcommand_from consume help" -l config -d 'Configuration file [default: <root>/tend.toml]' -r -F
complete -c tend -n "__fish_tend_using_subcommand wake; and not __fish_seen_subcommand_from consume help" -l json -d 'Print JSON Lines: one object per item, then a summary object'
complete -c tend -n "__fish_tend_using_subcommand wake; and not __fish_seen_subcommand_from consume help" -s q -l quiet -d 'Print nothing but errors'
complete -c tend -n "__fish_tend_using_subcommand wake; and not __fish_seen_subcommand_from consume help" -s v -l verbose -d 'Print a line per item processed'
complete -c tend -n "__fish_tend_using_subcommand wake; and not __fish_seen_subcommand_from consume help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tend -n "__fish_tend_using_subcommand wake; and not __fish_seen_subcommand_from consume help" -s V -l version -d 'Print version'
complete -c tend -n "__fish_tend_using_subcommand wake; and not __fish_seen_subcommand_from consume help" -f -a "consume" -d 'Debounce new wake requests, investigate each one due, message the operator'
complete -c tend -n "__fish_tend_using_subcommand wake; and not __fish_seen_subcommand_from consume help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tend -n "__fish_tend_using_subcommand wake; and __fish_seen_subcommand_from consume" -l since -d 'Replay wake requests at or after this instant (RFC 3339 or YYYY-MM-DD)' -r
complete -c tend -n "__fish_tend_using_subcommand wake; and __fish_seen_subcommand_from consume" -l now -d 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)' -r
complete -c tend -n "__fish_tend_using_subcommand wake; and __fish_seen_subcommand_from consume" -l root -d 'State root directory' -r -f -a "(__fish_complete_directories)"
complete -c tend -n "__fish_tend_using_subcommand wake; and __fish_seen_subcommand_from consume" -l config -d 'Configuration file [default: <root>/tend.toml]' -r -F
complete -c tend -n "__fish_tend_using_subcommand wake; and __fish_seen_subcommand_from consume" -l from-start -d 'Replay the whole audit log instead of continuing from the cursor'
complete -c tend -n "__fish_tend_using_subcommand wake; and __fish_seen_subcommand_from consume" -l dry-run -d 'Compute and print everything; send nothing, write nothing'
complete -c tend -n "__fish_tend_using_subcommand wake; and __fish_seen_subcommand_from consume" -l json -d 'Print JSON Lines: one object per item, then a summary object'
complete -c tend -n "__fish_tend_using_subcommand wake; and __fish_seen_subcommand_from consume" -s q -l quiet -d 'Print nothing but errors'
complete -c tend -n "__fish_tend_using_subcommand wake; and __fish_seen_subcommand_from consume" -s v -l verbose -d 'Print a line per item processed'
complete -c tend -n "__fish_tend_using_subcommand wake; and __fish_seen_subcommand_from consume" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tend -n "__fish_tend_using_subcommand wake; and __fish_seen_subcommand_from consume" -s V -l version -d 'Print version'
complete -c tend -n "__fish_tend_using_subcommand wake; and __fish_seen_subcommand_from help" -f -a "consume" -d 'Debounce new wake requests, investigate each one due, message the operator'
complete -c tend -n "__fish_tend_using_subcommand wake; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tend -n "__fish_tend_using_subcommand alerts; and not __fish_seen_subcommand_from notify list digest test silence help" -l root -d 'State root directory' -r -f -a "(__fish_complete_directories)"
complete -c tend -n "__fish_tend_using_subcommand alerts; and not __fish_seen_subcommand_from notify list digest test silence help" -l config -d 'Configuration file [default: <root>/tend.toml]' -r -F
complete -c tend -n "__fish_tend_using_subcommand alerts; and not __fish_seen_subcommand_from notify list digest test silence help" -l json -d 'Print JSON Lines: one object per item, then a summary object'
complete -c tend -n "__fish_tend_using_subcommand alerts; and not __fish_seen_subcommand_from notify list digest test silence help" -s q -l quiet -d 'Print nothing but errors'
complete -c tend -n "__fish_tend_using_subcommand alerts; and not __fish_seen_subcommand_from notify list digest test silence help" -s v -l verbose -d 'Print a line per item processed'
complete -c tend -n "__fish_tend_using_subcommand alerts; and not __fish_seen_subcommand_from notify list digest test silence help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tend -n "__fish_tend_using_subcommand alerts; and not __fish_seen_subcommand_from notify list digest test silence help" -s V -l version -d 'Print version'
complete -c tend -n "__fish_tend_using_subcommand alerts; and not __fish_seen_subcommand_from notify list digest test silence help" -f -a "notify" -d 'Notify newly firing alerts (the cron line, every few minutes)'
complete -c tend -n "__fish_tend_using_subcommand alerts; and not __fish_seen_subcommand_from notify list digest test silence help" -f -a "list" -d 'Show active, notified, suppressed, silenced and queued alerts'
complete -c tend -n "__fish_tend_using_subcommand alerts; and not __fish_seen_subcommand_from notify list digest test silence help" -f -a "digest" -d 'Send the info alerts queued by info_mode = "digest" as one message (daily cron line)'
complete -c tend -n "__fish_tend_using_subcommand alerts; and not __fish_seen_subcommand_from notify list digest test silence help" -f -a "test" -d 'Send a clearly labelled test message through the real channel'
complete -c tend -n "__fish_tend_using_subcommand alerts; and not __fish_seen_subcommand_from notify list digest test silence help" -f -a "silence" -d 'Mute matching alerts for a while'
complete -c tend -n "__fish_tend_using_subcommand alerts; and not __fish_seen_subcommand_from notify list digest test silence help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tend -n "__fish_tend_using_subcommand alerts; and __fish_seen_subcommand_from notify" -l from -d 'Also read active alerts from FILE (`-` for standard input); repeatable' -r -F
complete -c tend -n "__fish_tend_using_subcommand alerts; and __fish_seen_subcommand_from notify" -l now -d 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)' -r
complete -c tend -n "__fish_tend_using_subcommand alerts; and __fish_seen_subcommand_from notify" -l root -d 'State root directory' -r -f -a "(__fish_complete_directories)"
complete -c tend -n "__fish_tend_using_subcommand alerts; and __fish_seen_subcommand_from notify" -l config -d 'Configuration file [default: <root>/tend.toml]' -r -F
complete -c tend -n "__fish_tend_using_subcommand alerts; and __fish_seen_subcommand_from notify" -l dry-run -d 'Compute and print everything; send nothing, write nothing'
complete -c tend -n "__fish_tend_using_subcommand alerts; and __fish_seen_subcommand_from notify" -l json -d 'Print JSON Lines: one object per item, then a summary object'
complete -c tend -n "__fish_tend_using_subcommand alerts; and __fish_seen_subcommand_from notify" -s q -l quiet -d 'Print nothing but errors'
complete -c tend -n "__fish_tend_using_subcommand alerts; and __fish_seen_subcommand_from notify" -s v -l verbose -d 'Print a line per item processed'
complete -c tend -n "__fish_tend_using_subcommand alerts; and __fish_seen_subcommand_from notify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tend -n "__fish_tend_using_subcommand alerts; and __fish_seen_subcommand_from notify" -s V -l version -d 'Print version'
complete -c tend -n "__fish_tend_using_subcommand alerts; and __fish_seen_subcommand_from list" -l from -d 'Also read active alerts from FILE (`-` for standard input); repeatable' -r -F
complete -c tend -n "__fish_tend_using_subcommand alerts; and __fish_seen_subcommand_from list" -l now -d 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)' -r
complete -c tend -n "__fish_tend_using_subcommand alerts; and __fish_seen_subcommand_from list" -l root -d 'State root directory' -r -f -a "(__fish_complete_directories)"
complete -c tend -n "__fish_tend_using_subcommand alerts; and __fish_seen_subcommand_from list" -l config -d 'Configuration file [default: <root>/tend.toml]' -r -F
complete -c tend -n "__fish_tend_using_subcommand alerts; and __fish_seen_subcommand_from list" -l json -d 'Print JSON Lines: one object per item, then a summary object'
complete -c tend -n "__fish_tend_using_subcommand alerts; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print nothing but errors'
complete -c tend -n "__fish_tend_using_subcommand alerts; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Print a line per item processed'
complete -c tend -n "__fish_tend_using_subcommand alerts; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tend -n "__fish_tend_using_subcommand alerts; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c tend -n "__fish_tend_using_subcommand alerts; and __fish_seen_subcommand_from digest" -l now -d 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)' -r
complete -c tend -n "__fish_tend_using_subcommand alerts; and __fish_seen_subcommand_from digest" -l root -d 'State root directory' -r -f -a "(__fish_complete_directories)"
complete -c tend -n "__fish_tend_using_subcommand alerts; and __fish_seen_subcommand_from digest" -l config -d 'Configuration file [default: <root>/tend.toml]' -r -F
complete -c tend -n "__fish_tend_using_subcommand alerts; and __fish_seen_subcommand_from digest" -l dry-run -d 'Compute and print everything; send nothing, write nothing'
complete -c tend -n "__fish_tend_using_subcommand alerts; and __fish_seen_subcommand_from digest" -l json -d 'Print JSON Lines: one object per item, then a summary object'
complete -c tend -n "__fish_tend_using_subcommand alerts; and __fish_seen_subcommand_from digest" -s q -l quiet -d 'Print nothing but errors'
complete -c tend -n "__fish_tend_using_subcommand alerts; and __fish_seen_subcommand_from digest" -s v -l verbose -d 'Print a line per item processed'
complete -c tend -n "__fish_tend_using_subcommand alerts; and __fish_seen_subcommand_from digest" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tend -n "__fish_tend_using_subcommand alerts; and __fish_seen_subcommand_from digest" -s V -l version -d 'Print version'
complete -c tend -n "__fish_tend_using_subcommand alerts; and __fish_seen_subcommand_from test" -l channel -d 'The channel to test [default: every channel the alert routes use]' -r -f -a "slack\t''
email\t''
webhook\t''
stdout\t''"
complete -c tend -n "__fish_tend_using_subcommand alerts; and __fish_seen_subcommand_from test" -l now -d 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)' -r
complete -c tend -n "__fish_tend_using_subcommand alerts; and __fish_seen_subcommand_from test" -l root -d 'State root directory' -r -f -a "(__fish_complete_directories)"
complete -c tend -n "__fish_tend_using_subcommand alerts; and __fish_seen_subcommand_from test" -l config -d 'Configuration file [default: <root>/tend.toml]' -r -F
complete -c tend -n "__fish_tend_using_subcommand alerts; and __fish_seen_subcommand_from test" -l dry-run -d 'Compute and print everything; send nothing, write nothing'
complete -c tend -n "__fish_tend_using_subcommand alerts; and __fish_seen_subcommand_from test" -l json -d 'Print JSON Lines: one object per item, then a summary object'
complete -c tend -n "__fish_tend_using_subcommand alerts; and __fish_seen_subcommand_from test" -s q -l quiet -d 'Print nothing but errors'
complete -c tend -n "__fish_tend_using_subcommand alerts; and __fish_seen_subcommand_from test" -s v -l verbose -d 'Print a line per item processed'
complete -c tend -n "__fish_tend_using_subcommand alerts; and __fish_seen_subcommand_from test" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tend -n "__fish_tend_using_subcommand alerts; and __fish_seen_subcommand_from test" -s V -l version -d 'Print version'
complete -c tend -n "__fish_tend_using_subcommand alerts; and __fish_seen_subcommand_from silence" -l root -d 'State root directory' -r -f -a "(__fish_complete_directories)"
complete -c tend -n "__fish_tend_using_subcommand alerts; and __fish_seen_subcommand_from silence" -l config -d 'Configuration file [default: <root>/tend.toml]' -r -F
complete -c tend -n "__fish_tend_using_subcommand alerts; and __fish_seen_subcommand_from silence" -l json -d 'Print JSON Lines: one object per item, then a summary object'
complete -c tend -n "__fish_tend_using_subcommand alerts; and __fish_seen_subcommand_from silence" -s q -l quiet -d 'Print nothing but errors'
complete -c tend -n "__fish_tend_using_subcommand alerts; and __fish_seen_subcommand_from silence" -s v -l verbose -d 'Print a line per item processed'
complete -c tend -n "__fish_tend_using_subcommand alerts; and __fish_seen_subcommand_from silence" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tend -n "__fish_tend_using_subcommand alerts; and __fish_seen_subcommand_from silence" -s V -l version -d 'Print version'
complete -c tend -n "__fish_tend_using_subcommand alerts; and __fish_seen_subcommand_from silence" -f -a "add" -d 'Mute alerts matching every --match for a while'
complete -c tend -n "__fish_tend_using_subcommand alerts; and __fish_seen_subcommand_from silence" -f -a "list" -d 'Show active silences (--all: expired ones too)'
complete -c tend -n "__fish_tend_using_subcommand alerts; and __fish_seen_subcommand_from silence" -f -a "expire" -d 'End a silence now'
complete -c tend -n "__fish_tend_using_subcommand alerts; and __fish_seen_subcommand_from silence" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tend -n "__fish_tend_using_subcommand alerts; and __fish_seen_subcommand_from help" -f -a "notify" -d 'Notify newly firing alerts (the cron line, every few minutes)'
complete -c tend -n "__fish_tend_using_subcommand alerts; and __fish_seen_subcommand_from help" -f -a "list" -d 'Show active, notified, suppressed, silenced and queued alerts'
complete -c tend -n "__fish_tend_using_subcommand alerts; and __fish_seen_subcommand_from help" -f -a "digest" -d 'Send the info alerts queued by info_mode = "digest" as one message (daily cron line)'
complete -c tend -n "__fish_tend_using_subcommand alerts; and __fish_seen_subcommand_from help" -f -a "test" -d 'Send a clearly labelled test message through the real channel'
complete -c tend -n "__fish_tend_using_subcommand alerts; and __fish_seen_subcommand_from help" -f -a "silence" -d 'Mute matching alerts for a while'
complete -c tend -n "__fish_tend_using_subcommand alerts; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tend -n "__fish_tend_using_subcommand incidents; and not __fish_seen_subcommand_from list show help" -l root -d 'State root directory' -r -f -a "(__fish_complete_directories)"
complete -c tend -n "__fish_tend_using_subcommand incidents; and not __fish_seen_subcommand_from list show help" -l config -d 'Configuration file [default: <root>/tend.toml]' -r -F
complete -c tend -n "__fish_tend_using_subcommand incidents; and not __fish_seen_subcommand_from list show help" -l json -d 'Print JSON Lines: one object per item, then a summary object'
complete -c tend -n "__fish_tend_using_subcommand incidents; and not __fish_seen_subcommand_from list show help" -s q -l quiet -d 'Print nothing but errors'
complete -c tend -n "__fish_tend_using_subcommand incidents; and not __fish_seen_subcommand_from list show help" -s v -l verbose -d 'Print a line per item processed'
complete -c tend -n "__fish_tend_using_subcommand incidents; and not __fish_seen_subcommand_from list show help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tend -n "__fish_tend_using_subcommand incidents; and not __fish_seen_subcommand_from list show help" -s V -l version -d 'Print version'
complete -c tend -n "__fish_tend_using_subcommand incidents; and not __fish_seen_subcommand_from list show help" -f -a "list" -d 'List open and recently resolved incidents, with the command that silences each'
complete -c tend -n "__fish_tend_using_subcommand incidents; and not __fish_seen_subcommand_from list show help" -f -a "show" -d 'Show an incident\'s timeline: results, wakes, messages, diagnosis, resolution'
complete -c tend -n "__fish_tend_using_subcommand incidents; and not __fish_seen_subcommand_from list show help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tend -n "__fish_tend_using_subcommand incidents; and __fish_seen_subcommand_from list" -l now -d 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)' -r
complete -c tend -n "__fish_tend_using_subcommand incidents; and __fish_seen_subcommand_from list" -l root -d 'State root directory' -r -f -a "(__fish_complete_directories)"
complete -c tend -n "__fish_tend_using_subcommand incidents; and __fish_seen_subcommand_from list" -l config -d 'Configuration file [default: <root>/tend.toml]' -r -F
complete -c tend -n "__fish_tend_using_subcommand incidents; and __fish_seen_subcommand_from list" -l open -d 'Only the open incidents'
complete -c tend -n "__fish_tend_using_subcommand incidents; and __fish_seen_subcommand_from list" -l json -d 'Print JSON Lines: one object per item, then a summary object'
complete -c tend -n "__fish_tend_using_subcommand incidents; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print nothing but errors'
complete -c tend -n "__fish_tend_using_subcommand incidents; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Print a line per item processed'
complete -c tend -n "__fish_tend_using_subcommand incidents; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tend -n "__fish_tend_using_subcommand incidents; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c tend -n "__fish_tend_using_subcommand incidents; and __fish_seen_subcommand_from show" -l now -d 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)' -r
complete -c tend -n "__fish_tend_using_subcommand incidents; and __fish_seen_subcommand_from show" -l root -d 'State root directory' -r -f -a "(__fish_complete_directories)"
complete -c tend -n "__fish_tend_using_subcommand incidents; and __fish_seen_subcommand_from show" -l config -d 'Configuration file [default: <root>/tend.toml]' -r -F
complete -c tend -n "__fish_tend_using_subcommand incidents; and __fish_seen_subcommand_from show" -l json -d 'Print JSON Lines: one object per item, then a summary object'
complete -c tend -n "__fish_tend_using_subcommand incidents; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print nothing but errors'
complete -c tend -n "__fish_tend_using_subcommand incidents; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Print a line per item processed'
complete -c tend -n "__fish_tend_using_subcommand incidents; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tend -n "__fish_tend_using_subcommand incidents; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c tend -n "__fish_tend_using_subcommand incidents; and __fish_seen_subcommand_from help" -f -a "list" -d 'List open and recently resolved incidents, with the command that silences each'
complete -c tend -n "__fish_tend_using_subcommand incidents; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show an incident\'s timeline: results, wakes, messages, diagnosis, resolution'
complete -c tend -n "__fish_tend_using_subcommand incidents; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tend -n "__fish_tend_using_subcommand watchers; and not __fish_seen_subcommand_from tick list explain help" -l root -d 'State root directory' -r -f -a "(__fish_complete_directories)"
complete -c tend -n "__fish_tend_using_subcommand watchers; and not __fish_seen_subcommand_from tick list explain help" -l config -d 'Configuration file [default: <root>/tend.toml]' -r -F
complete -c tend -n "__fish_tend_using_subcommand watchers; and not __fish_seen_subcommand_from tick list explain help" -l json -d 'Print JSON Lines: one object per item, then a summary object'
complete -c tend -n "__fish_tend_using_subcommand watchers; and not __fish_seen_subcommand_from tick list explain help" -s q -l quiet -d 'Print nothing but errors'
complete -c tend -n "__fish_tend_using_subcommand watchers; and not __fish_seen_subcommand_from tick list explain help" -s v -l verbose -d 'Print a line per item processed'
complete -c tend -n "__fish_tend_using_subcommand watchers; and not __fish_seen_subcommand_from tick list explain help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tend -n "__fish_tend_using_subcommand watchers; and not __fish_seen_subcommand_from tick list explain help" -s V -l version -d 'Print version'
complete -c tend -n "__fish_tend_using_subcommand watchers; and not __fish_seen_subcommand_from tick list explain help" -f -a "tick" -d 'Run the enabled watchers (or the named ones) once'
complete -c tend -n "__fish_tend_using_subcommand watchers; and not __fish_seen_subcommand_from tick list explain help" -f -a "list" -d 'List the configured watchers: enabled, their actor\'s state, last run'
complete -c tend -n "__fish_tend_using_subcommand watchers; and not __fish_seen_subcommand_from tick list explain help" -f -a "explain" -d 'Print the decision an entity would get now, with the reasoning'
complete -c tend -n "__fish_tend_using_subcommand watchers; and not __fish_seen_subcommand_from tick list explain help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tend -n "__fish_tend_using_subcommand watchers; and __fish_seen_subcommand_from tick" -l now -d 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)' -r
complete -c tend -n "__fish_tend_using_subcommand watchers; and __fish_seen_subcommand_from tick" -l root -d 'State root directory' -r -f -a "(__fish_complete_directories)"
complete -c tend -n "__fish_tend_using_subcommand watchers; and __fish_seen_subcommand_from tick" -l config -d 'Configuration file [default: <root>/tend.toml]' -r -F
complete -c tend -n "__fish_tend_using_subcommand watchers; and __fish_seen_subcommand_from tick" -l dry-run -d 'Compute and print everything; send nothing, write nothing'
complete -c tend -n "__fish_tend_using_subcommand watchers; and __fish_seen_subcommand_from tick" -l json -d 'Print JSON Lines: one object per item, then a summary object'
complete -c tend -n "__fish_tend_using_subcommand watchers; and __fish_seen_subcommand_from tick" -s q -l quiet -d 'Print nothing but errors'
complete -c tend -n "__fish_tend_using_subcommand watchers; and __fish_seen_subcommand_from tick" -s v -l verbose -d 'Print a line per item processed'
complete -c tend -n "__fish_tend_using_subcommand watchers; and __fish_seen_subcommand_from tick" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tend -n "__fish_tend_using_subcommand watchers; and __fish_seen_subcommand_from tick" -s V -l version -d 'Print version'
complete -c tend -n "__fish_tend_using_subcommand watchers; and __fish_seen_subcommand_from list" -l root -d 'State root directory' -r -f -a "(__fish_complete_directories)"
complete -c tend -n "__fish_tend_using_subcommand watchers; and __fish_seen_subcommand_from list" -l config -d 'Configuration file [default: <root>/tend.toml]' -r -F
complete -c tend -n "__fish_tend_using_subcommand watchers; and __fish_seen_subcommand_from list" -l json -d 'Print JSON Lines: one object per item, then a summary object'
complete -c tend -n "__fish_tend_using_subcommand watchers; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print nothing but errors'
complete -c tend -n "__fish_tend_using_subcommand watchers; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Print a line per item processed'
complete -c tend -n "__fish_tend_using_subcommand watchers; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tend -n "__fish_tend_using_subcommand watchers; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c tend -n "__fish_tend_using_subcommand watchers; and __fish_seen_subcommand_from explain" -l now -d 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)' -r
complete -c tend -n "__fish_tend_using_subcommand watchers; and __fish_seen_subcommand_from explain" -l root -d 'State root directory' -r -f -a "(__fish_complete_directories)"
complete -c tend -n "__fish_tend_using_subcommand watchers; and __fish_seen_subcommand_from explain" -l config -d 'Configuration file [default: <root>/tend.toml]' -r -F
complete -c tend -n "__fish_tend_using_subcommand watchers; and __fish_seen_subcommand_from explain" -l json -d 'Print JSON Lines: one object per item, then a summary object'
complete -c tend -n "__fish_tend_using_subcommand watchers; and __fish_seen_subcommand_from explain" -s q -l quiet -d 'Print nothing but errors'
complete -c tend -n "__fish_tend_using_subcommand watchers; and __fish_seen_subcommand_from explain" -s v -l verbose -d 'Print a line per item processed'
complete -c tend -n "__fish_tend_using_subcommand watchers; and __fish_seen_subcommand_from explain" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tend -n "__fish_tend_using_subcommand watchers; and __fish_seen_subcommand_from explain" -s V -l version -d 'Print version'
complete -c tend -n "__fish_tend_using_subcommand watchers; and __fish_seen_subcommand_from help" -f -a "tick" -d 'Run the enabled watchers (or the named ones) once'
complete -c tend -n "__fish_tend_using_subcommand watchers; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the configured watchers: enabled, their actor\'s state, last run'
complete -c tend -n "__fish_tend_using_subcommand watchers; and __fish_seen_subcommand_from help" -f -a "explain" -d 'Print the decision an entity would get now, with the reasoning'
complete -c tend -n "__fish_tend_using_subcommand watchers; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tend -n "__fish_tend_using_subcommand gc; and not __fish_seen_subcommand_from checkpoints audit help" -l root -d 'State root directory' -r -f -a "(__fish_complete_directories)"
complete -c tend -n "__fish_tend_using_subcommand gc; and not __fish_seen_subcommand_from checkpoints audit help" -l config -d 'Configuration file [default: <root>/tend.toml]' -r -F
complete -c tend -n "__fish_tend_using_subcommand gc; and not __fish_seen_subcommand_from checkpoints audit help" -l json -d 'Print JSON Lines: one object per item, then a summary object'
complete -c tend -n "__fish_tend_using_subcommand gc; and not __fish_seen_subcommand_from checkpoints audit help" -s q -l quiet -d 'Print nothing but errors'
complete -c tend -n "__fish_tend_using_subcommand gc; and not __fish_seen_subcommand_from checkpoints audit help" -s v -l verbose -d 'Print a line per item processed'
complete -c tend -n "__fish_tend_using_subcommand gc; and not __fish_seen_subcommand_from checkpoints audit help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tend -n "__fish_tend_using_subcommand gc; and not __fish_seen_subcommand_from checkpoints audit help" -s V -l version -d 'Print version'
complete -c tend -n "__fish_tend_using_subcommand gc; and not __fish_seen_subcommand_from checkpoints audit help" -f -a "checkpoints" -d 'Delete checkpoint threads whose session is gone ([gc.checkpoints])'
complete -c tend -n "__fish_tend_using_subcommand gc; and not __fish_seen_subcommand_from checkpoints audit help" -f -a "audit" -d 'Remove audit segments older than --keep-days (by their file date)'
complete -c tend -n "__fish_tend_using_subcommand gc; and not __fish_seen_subcommand_from checkpoints audit help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tend -n "__fish_tend_using_subcommand gc; and __fish_seen_subcommand_from checkpoints" -l min-age -d 'Keep a gone session touched more recently than this [default: [gc.checkpoints] min_age, 1h]' -r
complete -c tend -n "__fish_tend_using_subcommand gc; and __fish_seen_subcommand_from checkpoints" -l max-deletions -d 'Delete at most N threads this run [default: [gc.checkpoints] max_deletions, 1000]' -r
complete -c tend -n "__fish_tend_using_subcommand gc; and __fish_seen_subcommand_from checkpoints" -l now -d 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)' -r
complete -c tend -n "__fish_tend_using_subcommand gc; and __fish_seen_subcommand_from checkpoints" -l root -d 'State root directory' -r -f -a "(__fish_complete_directories)"
complete -c tend -n "__fish_tend_using_subcommand gc; and __fish_seen_subcommand_from checkpoints" -l config -d 'Configuration file [default: <root>/tend.toml]' -r -F
complete -c tend -n "__fish_tend_using_subcommand gc; and __fish_seen_subcommand_from checkpoints" -l allow-empty -d 'Delete even when the sessions source returned no session at all'
complete -c tend -n "__fish_tend_using_subcommand gc; and __fish_seen_subcommand_from checkpoints" -l vacuum -d 'Reclaim the space of deleted threads afterwards (SQLite VACUUM; Postgres VACUUM)'
complete -c tend -n "__fish_tend_using_subcommand gc; and __fish_seen_subcommand_from checkpoints" -l dry-run -d 'Compute and print everything; send nothing, write nothing'
complete -c tend -n "__fish_tend_using_subcommand gc; and __fish_seen_subcommand_from checkpoints" -l json -d 'Print JSON Lines: one object per item, then a summary object'
complete -c tend -n "__fish_tend_using_subcommand gc; and __fish_seen_subcommand_from checkpoints" -s q -l quiet -d 'Print nothing but errors'
complete -c tend -n "__fish_tend_using_subcommand gc; and __fish_seen_subcommand_from checkpoints" -s v -l verbose -d 'Print a line per item processed'
complete -c tend -n "__fish_tend_using_subcommand gc; and __fish_seen_subcommand_from checkpoints" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tend -n "__fish_tend_using_subcommand gc; and __fish_seen_subcommand_from checkpoints" -s V -l version -d 'Print version'
complete -c tend -n "__fish_tend_using_subcommand gc; and __fish_seen_subcommand_from audit" -l keep-days -d 'Keep the segments of the last N days (by file date, UTC)' -r
complete -c tend -n "__fish_tend_using_subcommand gc; and __fish_seen_subcommand_from audit" -l now -d 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)' -r
complete -c tend -n "__fish_tend_using_subcommand gc; and __fish_seen_subcommand_from audit" -l root -d 'State root directory' -r -f -a "(__fish_complete_directories)"
complete -c tend -n "__fish_tend_using_subcommand gc; and __fish_seen_subcommand_from audit" -l config -d 'Configuration file [default: <root>/tend.toml]' -r -F
complete -c tend -n "__fish_tend_using_subcommand gc; and __fish_seen_subcommand_from audit" -l force -d 'Allow a --keep-days shorter than the longest promote window'
complete -c tend -n "__fish_tend_using_subcommand gc; and __fish_seen_subcommand_from audit" -l dry-run -d 'Compute and print everything; send nothing, write nothing'
complete -c tend -n "__fish_tend_using_subcommand gc; and __fish_seen_subcommand_from audit" -l json -d 'Print JSON Lines: one object per item, then a summary object'
complete -c tend -n "__fish_tend_using_subcommand gc; and __fish_seen_subcommand_from audit" -s q -l quiet -d 'Print nothing but errors'
complete -c tend -n "__fish_tend_using_subcommand gc; and __fish_seen_subcommand_from audit" -s v -l verbose -d 'Print a line per item processed'
complete -c tend -n "__fish_tend_using_subcommand gc; and __fish_seen_subcommand_from audit" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tend -n "__fish_tend_using_subcommand gc; and __fish_seen_subcommand_from audit" -s V -l version -d 'Print version'
complete -c tend -n "__fish_tend_using_subcommand gc; and __fish_seen_subcommand_from help" -f -a "checkpoints" -d 'Delete checkpoint threads whose session is gone ([gc.checkpoints])'
complete -c tend -n "__fish_tend_using_subcommand gc; and __fish_seen_subcommand_from help" -f -a "audit" -d 'Remove audit segments older than --keep-days (by their file date)'
complete -c tend -n "__fish_tend_using_subcommand gc; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tend -n "__fish_tend_using_subcommand promote; and not __fish_seen_subcommand_from observe propose run list show approve reject expire help" -l root -d 'State root directory' -r -f -a "(__fish_complete_directories)"
complete -c tend -n "__fish_tend_using_subcommand promote; and not __fish_seen_subcommand_from observe propose run list show approve reject expire help" -l config -d 'Configuration file [default: <root>/tend.toml]' -r -F
complete -c tend -n "__fish_tend_using_subcommand promote; and not __fish_seen_subcommand_from observe propose run list show approve reject expire help" -l json -d 'Print JSON Lines: one object per item, then a summary object'
complete -c tend -n "__fish_tend_using_subcommand promote; and not __fish_seen_subcommand_from observe propose run list show approve reject expire help" -s q -l quiet -d 'Print nothing but errors'
complete -c tend -n "__fish_tend_using_subcommand promote; and not __fish_seen_subcommand_from observe propose run list show approve reject expire help" -s v -l verbose -d 'Print a line per item processed'
complete -c tend -n "__fish_tend_using_subcommand promote; and not __fish_seen_subcommand_from observe propose run list show approve reject expire help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tend -n "__fish_tend_using_subcommand promote; and not __fish_seen_subcommand_from observe propose run list show approve reject expire help" -s V -l version -d 'Print version'
complete -c tend -n "__fish_tend_using_subcommand promote; and not __fish_seen_subcommand_from observe propose run list show approve reject expire help" -f -a "observe" -d 'Read the audit log over each loop\'s window into observations/<loop>.json'
complete -c tend -n "__fish_tend_using_subcommand promote; and not __fish_seen_subcommand_from observe propose run list show approve reject expire help" -f -a "propose" -d 'Turn the latest observations into pending proposals'
complete -c tend -n "__fish_tend_using_subcommand promote; and not __fish_seen_subcommand_from observe propose run list show approve reject expire help" -f -a "run" -d 'Observe, propose and expire: the usual cron line'
complete -c tend -n "__fish_tend_using_subcommand promote; and not __fish_seen_subcommand_from observe propose run list show approve reject expire help" -f -a "list" -d 'List proposals as a table: id, loop, subject, age, status'
complete -c tend -n "__fish_tend_using_subcommand promote; and not __fish_seen_subcommand_from observe propose run list show approve reject expire help" -f -a "show" -d 'Show one proposal: a summary with its rationale (--json: the proposal)'
complete -c tend -n "__fish_tend_using_subcommand promote; and not __fish_seen_subcommand_from observe propose run list show approve reject expire help" -f -a "approve" -d 'Approve a pending proposal, after checking its evidence afresh'
complete -c tend -n "__fish_tend_using_subcommand promote; and not __fish_seen_subcommand_from observe propose run list show approve reject expire help" -f -a "reject" -d 'Reject a pending proposal (its subject is not proposed again for ttl_days)'
complete -c tend -n "__fish_tend_using_subcommand promote; and not __fish_seen_subcommand_from observe propose run list show approve reject expire help" -f -a "expire" -d 'Move pending proposals older than ttl_days to expired/'
complete -c tend -n "__fish_tend_using_subcommand promote; and not __fish_seen_subcommand_from observe propose run list show approve reject expire help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from observe" -l input -d 'Also read these JSON Lines files (or directories of *.jsonl) (repeatable)' -r -F
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from observe" -l now -d 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)' -r
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from observe" -l root -d 'State root directory' -r -f -a "(__fish_complete_directories)"
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from observe" -l config -d 'Configuration file [default: <root>/tend.toml]' -r -F
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from observe" -l dry-run -d 'Compute and print everything; send nothing, write nothing'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from observe" -l json -d 'Print JSON Lines: one object per item, then a summary object'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from observe" -s q -l quiet -d 'Print nothing but errors'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from observe" -s v -l verbose -d 'Print a line per item processed'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from observe" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from observe" -s V -l version -d 'Print version'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from propose" -l now -d 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)' -r
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from propose" -l root -d 'State root directory' -r -f -a "(__fish_complete_directories)"
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from propose" -l config -d 'Configuration file [default: <root>/tend.toml]' -r -F
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from propose" -l dry-run -d 'Compute and print everything; send nothing, write nothing'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from propose" -l json -d 'Print JSON Lines: one object per item, then a summary object'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from propose" -s q -l quiet -d 'Print nothing but errors'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from propose" -s v -l verbose -d 'Print a line per item processed'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from propose" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from propose" -s V -l version -d 'Print version'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from run" -l input -d 'Also read these JSON Lines files (or directories of *.jsonl) (repeatable)' -r -F
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from run" -l now -d 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)' -r
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from run" -l root -d 'State root directory' -r -f -a "(__fish_complete_directories)"
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from run" -l config -d 'Configuration file [default: <root>/tend.toml]' -r -F
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from run" -l dry-run -d 'Compute and print everything; send nothing, write nothing'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from run" -l json -d 'Print JSON Lines: one object per item, then a summary object'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from run" -s q -l quiet -d 'Print nothing but errors'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from run" -s v -l verbose -d 'Print a line per item processed'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from run" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from run" -s V -l version -d 'Print version'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from list" -l loop -d 'Only this loop\'s proposals' -r
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from list" -l status -d 'Only proposals with this status: pending, approved, rejected, expired' -r
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from list" -l now -d 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)' -r
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from list" -l root -d 'State root directory' -r -f -a "(__fish_complete_directories)"
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from list" -l config -d 'Configuration file [default: <root>/tend.toml]' -r -F
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from list" -l json -d 'Print JSON Lines: one object per item, then a summary object'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print nothing but errors'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Print a line per item processed'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from show" -l now -d 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)' -r
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from show" -l root -d 'State root directory' -r -f -a "(__fish_complete_directories)"
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from show" -l config -d 'Configuration file [default: <root>/tend.toml]' -r -F
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from show" -l json -d 'Print JSON Lines: one object per item, then a summary object'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print nothing but errors'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Print a line per item processed'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from approve" -l note -d 'A note recorded with the decision' -r
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from approve" -l by -d 'Who decides [default: $SUDO_USER, else $USER]' -r
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from approve" -l wait -d 'Seconds to wait for another reviewer\'s lock' -r
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from approve" -l now -d 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)' -r
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from approve" -l root -d 'State root directory' -r -f -a "(__fish_complete_directories)"
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from approve" -l config -d 'Configuration file [default: <root>/tend.toml]' -r -F
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from approve" -l force -d 'Approve even when the evidence changed (recorded in the proposal)'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from approve" -l dry-run -d 'Compute and print everything; send nothing, write nothing'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from approve" -l json -d 'Print JSON Lines: one object per item, then a summary object'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from approve" -s q -l quiet -d 'Print nothing but errors'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from approve" -s v -l verbose -d 'Print a line per item processed'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from approve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from approve" -s V -l version -d 'Print version'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from reject" -l note -d 'Why (recorded with the decision)' -r
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from reject" -l by -d 'Who decides [default: $SUDO_USER, else $USER]' -r
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from reject" -l wait -d 'Seconds to wait for another reviewer\'s lock' -r
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from reject" -l now -d 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)' -r
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from reject" -l root -d 'State root directory' -r -f -a "(__fish_complete_directories)"
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from reject" -l config -d 'Configuration file [default: <root>/tend.toml]' -r -F
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from reject" -l dry-run -d 'Compute and print everything; send nothing, write nothing'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from reject" -l json -d 'Print JSON Lines: one object per item, then a summary object'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from reject" -s q -l quiet -d 'Print nothing but errors'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from reject" -s v -l verbose -d 'Print a line per item processed'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from reject" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from reject" -s V -l version -d 'Print version'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from expire" -l now -d 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)' -r
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from expire" -l root -d 'State root directory' -r -f -a "(__fish_complete_directories)"
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from expire" -l config -d 'Configuration file [default: <root>/tend.toml]' -r -F
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from expire" -l dry-run -d 'Compute and print everything; send nothing, write nothing'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from expire" -l json -d 'Print JSON Lines: one object per item, then a summary object'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from expire" -s q -l quiet -d 'Print nothing but errors'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from expire" -s v -l verbose -d 'Print a line per item processed'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from expire" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from expire" -s V -l version -d 'Print version'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from help" -f -a "observe" -d 'Read the audit log over each loop\'s window into observations/<loop>.json'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from help" -f -a "propose" -d 'Turn the latest observations into pending proposals'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from help" -f -a "run" -d 'Observe, propose and expire: the usual cron line'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from help" -f -a "list" -d 'List proposals as a table: id, loop, subject, age, status'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show one proposal: a summary with its rationale (--json: the proposal)'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from help" -f -a "approve" -d 'Approve a pending proposal, after checking its evidence afresh'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from help" -f -a "reject" -d 'Reject a pending proposal (its subject is not proposed again for ttl_days)'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from help" -f -a "expire" -d 'Move pending proposals older than ttl_days to expired/'
complete -c tend -n "__fish_tend_using_subcommand promote; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tend -n "__fish_tend_using_subcommand status" -l format -d 'Output format: human text, or the Prometheus text format' -r -f -a "text\t''
prometheus\t''"
complete -c tend -n "__fish_tend_using_subcommand status" -l now -d 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)' -r
complete -c tend -n "__fish_tend_using_subcommand status" -l root -d 'State root directory' -r -f -a "(__fish_complete_directories)"
complete -c tend -n "__fish_tend_using_subcommand status" -l config -d 'Configuration file [default: <root>/tend.toml]' -r -F
complete -c tend -n "__fish_tend_using_subcommand status" -l json -d 'Print JSON Lines: one object per item, then a summary object'
complete -c tend -n "__fish_tend_using_subcommand status" -s q -l quiet -d 'Print nothing but errors'
complete -c tend -n "__fish_tend_using_subcommand status" -s v -l verbose -d 'Print a line per item processed'
complete -c tend -n "__fish_tend_using_subcommand status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tend -n "__fish_tend_using_subcommand status" -s V -l version -d 'Print version'
complete -c tend -n "__fish_tend_using_subcommand report" -l format -d 'Output format [default: html with --out, else text]' -r -f -a "html\t'One self-contained page (inline CSS and SVG)'
text\t'For a terminal: sparklines and strips fitted to its width'
json\t'The figures behind both, one object'"
complete -c tend -n "__fish_tend_using_subcommand report" -l out -d 'Write DIR/index.html (report.txt, report.json for the other formats) instead of printing' -r -f -a "(__fish_complete_directories)"
complete -c tend -n "__fish_tend_using_subcommand report" -l window -d 'What the report covers, ending now (whole hours) [default: [report] window]' -r
complete -c tend -n "__fish_tend_using_subcommand report" -l now -d 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)' -r
complete -c tend -n "__fish_tend_using_subcommand report" -l root -d 'State root directory' -r -f -a "(__fish_complete_directories)"
complete -c tend -n "__fish_tend_using_subcommand report" -l config -d 'Configuration file [default: <root>/tend.toml]' -r -F
complete -c tend -n "__fish_tend_using_subcommand report" -l dry-run -d 'Compute and print everything; send nothing, write nothing'
complete -c tend -n "__fish_tend_using_subcommand report" -l json -d 'Print JSON Lines: one object per item, then a summary object'
complete -c tend -n "__fish_tend_using_subcommand report" -s q -l quiet -d 'Print nothing but errors'
complete -c tend -n "__fish_tend_using_subcommand report" -s v -l verbose -d 'Print a line per item processed'
complete -c tend -n "__fish_tend_using_subcommand report" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tend -n "__fish_tend_using_subcommand report" -s V -l version -d 'Print version'
complete -c tend -n "__fish_tend_using_subcommand doctor" -l now -d 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)' -r
complete -c tend -n "__fish_tend_using_subcommand doctor" -l root -d 'State root directory' -r -f -a "(__fish_complete_directories)"
complete -c tend -n "__fish_tend_using_subcommand doctor" -l config -d 'Configuration file [default: <root>/tend.toml]' -r -F
complete -c tend -n "__fish_tend_using_subcommand doctor" -l json -d 'Print JSON Lines: one object per item, then a summary object'
complete -c tend -n "__fish_tend_using_subcommand doctor" -s q -l quiet -d 'Print nothing but errors'
complete -c tend -n "__fish_tend_using_subcommand doctor" -s v -l verbose -d 'Print a line per item processed'
complete -c tend -n "__fish_tend_using_subcommand doctor" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tend -n "__fish_tend_using_subcommand doctor" -s V -l version -d 'Print version'
complete -c tend -n "__fish_tend_using_subcommand config; and not __fish_seen_subcommand_from check show help" -l root -d 'State root directory' -r -f -a "(__fish_complete_directories)"
complete -c tend -n "__fish_tend_using_subcommand config; and not __fish_seen_subcommand_from check show help" -l config -d 'Configuration file [default: <root>/tend.toml]' -r -F
complete -c tend -n "__fish_tend_using_subcommand config; and not __fish_seen_subcommand_from check show help" -l json -d 'Print JSON Lines: one object per item, then a summary object'
complete -c tend -n "__fish_tend_using_subcommand config; and not __fish_seen_subcommand_from check show help" -s q -l quiet -d 'Print nothing but errors'
complete -c tend -n "__fish_tend_using_subcommand config; and not __fish_seen_subcommand_from check show help" -s v -l verbose -d 'Print a line per item processed'
complete -c tend -n "__fish_tend_using_subcommand config; and not __fish_seen_subcommand_from check show help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tend -n "__fish_tend_using_subcommand config; and not __fish_seen_subcommand_from check show help" -s V -l version -d 'Print version'
complete -c tend -n "__fish_tend_using_subcommand config; and not __fish_seen_subcommand_from check show help" -f -a "check" -d 'Validate the configuration (file, environment overrides) and exit'
complete -c tend -n "__fish_tend_using_subcommand config; and not __fish_seen_subcommand_from check show help" -f -a "show" -d 'Print the effective configuration, defaults marked, secrets redacted'
complete -c tend -n "__fish_tend_using_subcommand config; and not __fish_seen_subcommand_from check show help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tend -n "__fish_tend_using_subcommand config; and __fish_seen_subcommand_from check" -l root -d 'State root directory' -r -f -a "(__fish_complete_directories)"
complete -c tend -n "__fish_tend_using_subcommand config; and __fish_seen_subcommand_from check" -l config -d 'Configuration file [default: <root>/tend.toml]' -r -F
complete -c tend -n "__fish_tend_using_subcommand config; and __fish_seen_subcommand_from check" -l json -d 'Print JSON Lines: one object per item, then a summary object'
complete -c tend -n "__fish_tend_using_subcommand config; and __fish_seen_subcommand_from check" -s q -l quiet -d 'Print nothing but errors'
complete -c tend -n "__fish_tend_using_subcommand config; and __fish_seen_subcommand_from check" -s v -l verbose -d 'Print a line per item processed'
complete -c tend -n "__fish_tend_using_subcommand config; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tend -n "__fish_tend_using_subcommand config; and __fish_seen_subcommand_from check" -s V -l version -d 'Print version'
complete -c tend -n "__fish_tend_using_subcommand config; and __fish_seen_subcommand_from show" -l root -d 'State root directory' -r -f -a "(__fish_complete_directories)"
complete -c tend -n "__fish_tend_using_subcommand config; and __fish_seen_subcommand_from show" -l config -d 'Configuration file [default: <root>/tend.toml]' -r -F
complete -c tend -n "__fish_tend_using_subcommand config; and __fish_seen_subcommand_from show" -l json -d 'Print JSON Lines: one object per item, then a summary object'
complete -c tend -n "__fish_tend_using_subcommand config; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print nothing but errors'
complete -c tend -n "__fish_tend_using_subcommand config; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Print a line per item processed'
complete -c tend -n "__fish_tend_using_subcommand config; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tend -n "__fish_tend_using_subcommand config; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c tend -n "__fish_tend_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "check" -d 'Validate the configuration (file, environment overrides) and exit'
complete -c tend -n "__fish_tend_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "show" -d 'Print the effective configuration, defaults marked, secrets redacted'
complete -c tend -n "__fish_tend_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tend -n "__fish_tend_using_subcommand audit; and not __fish_seen_subcommand_from emit tail help" -l root -d 'State root directory' -r -f -a "(__fish_complete_directories)"
complete -c tend -n "__fish_tend_using_subcommand audit; and not __fish_seen_subcommand_from emit tail help" -l config -d 'Configuration file [default: <root>/tend.toml]' -r -F
complete -c tend -n "__fish_tend_using_subcommand audit; and not __fish_seen_subcommand_from emit tail help" -l json -d 'Print JSON Lines: one object per item, then a summary object'
complete -c tend -n "__fish_tend_using_subcommand audit; and not __fish_seen_subcommand_from emit tail help" -s q -l quiet -d 'Print nothing but errors'
complete -c tend -n "__fish_tend_using_subcommand audit; and not __fish_seen_subcommand_from emit tail help" -s v -l verbose -d 'Print a line per item processed'
complete -c tend -n "__fish_tend_using_subcommand audit; and not __fish_seen_subcommand_from emit tail help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tend -n "__fish_tend_using_subcommand audit; and not __fish_seen_subcommand_from emit tail help" -s V -l version -d 'Print version'
complete -c tend -n "__fish_tend_using_subcommand audit; and not __fish_seen_subcommand_from emit tail help" -f -a "emit" -d 'Append one validated row to today\'s segment'
complete -c tend -n "__fish_tend_using_subcommand audit; and not __fish_seen_subcommand_from emit tail help" -f -a "tail" -d 'Print rows of the audit log (the last 10 by default)'
complete -c tend -n "__fish_tend_using_subcommand audit; and not __fish_seen_subcommand_from emit tail help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tend -n "__fish_tend_using_subcommand audit; and __fish_seen_subcommand_from emit" -l kind -d 'Row kind, e.g. probe.wake_requested' -r -f -a "probe.observed\t''
probe.wake_requested\t''
probe.recovered\t''
probe.wake_debounced\t''
probe.investigation_completed\t''
inference.recorded\t''
notification.dispatched\t''
incident.opened\t''
incident.updated\t''
incident.resolved\t''
promotion.router_trigger_proposed\t''
promotion.tool_trim_proposed\t''
promotion.probe_envelope_action_proposed\t''
promotion.approved\t''
promotion.rejected\t''
promotion.expired\t''
watcher.flagged\t''
gc.checkpoint_removed\t''
gc.audit_removed\t''
reasoning.tool_called\t''"
complete -c tend -n "__fish_tend_using_subcommand audit; and __fish_seen_subcommand_from emit" -l details -d 'Details as a JSON object; `-` reads it from standard input (at most 64 MiB)' -r
complete -c tend -n "__fish_tend_using_subcommand audit; and __fish_seen_subcommand_from emit" -l correlation-key -d 'Correlation key, e.g. probe:fly:machine_down' -r
complete -c tend -n "__fish_tend_using_subcommand audit; and __fish_seen_subcommand_from emit" -l id -d 'Idempotency key: a retry with the same key adds no second row' -r
complete -c tend -n "__fish_tend_using_subcommand audit; and __fish_seen_subcommand_from emit" -l now -d 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)' -r
complete -c tend -n "__fish_tend_using_subcommand audit; and __fish_seen_subcommand_from emit" -l root -d 'State root directory' -r -f -a "(__fish_complete_directories)"
complete -c tend -n "__fish_tend_using_subcommand audit; and __fish_seen_subcommand_from emit" -l config -d 'Configuration file [default: <root>/tend.toml]' -r -F
complete -c tend -n "__fish_tend_using_subcommand audit; and __fish_seen_subcommand_from emit" -l batch -d 'Read rows as JSON Lines on standard input and append them all at once'
complete -c tend -n "__fish_tend_using_subcommand audit; and __fish_seen_subcommand_from emit" -l dry-run -d 'Compute and print everything; send nothing, write nothing'
complete -c tend -n "__fish_tend_using_subcommand audit; and __fish_seen_subcommand_from emit" -l json -d 'Print JSON Lines: one object per item, then a summary object'
complete -c tend -n "__fish_tend_using_subcommand audit; and __fish_seen_subcommand_from emit" -s q -l quiet -d 'Print nothing but errors'
complete -c tend -n "__fish_tend_using_subcommand audit; and __fish_seen_subcommand_from emit" -s v -l verbose -d 'Print a line per item processed'
complete -c tend -n "__fish_tend_using_subcommand audit; and __fish_seen_subcommand_from emit" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tend -n "__fish_tend_using_subcommand audit; and __fish_seen_subcommand_from emit" -s V -l version -d 'Print version'
complete -c tend -n "__fish_tend_using_subcommand audit; and __fish_seen_subcommand_from tail" -l kind -d 'Only rows of this kind (repeatable)' -r -f -a "probe.observed\t''
probe.wake_requested\t''
probe.recovered\t''
probe.wake_debounced\t''
probe.investigation_completed\t''
inference.recorded\t''
notification.dispatched\t''
incident.opened\t''
incident.updated\t''
incident.resolved\t''
promotion.router_trigger_proposed\t''
promotion.tool_trim_proposed\t''
promotion.probe_envelope_action_proposed\t''
promotion.approved\t''
promotion.rejected\t''
promotion.expired\t''
watcher.flagged\t''
gc.checkpoint_removed\t''
gc.audit_removed\t''
reasoning.tool_called\t''"
complete -c tend -n "__fish_tend_using_subcommand audit; and __fish_seen_subcommand_from tail" -l since -d 'Only rows at or after this instant (RFC 3339 or YYYY-MM-DD)' -r
complete -c tend -n "__fish_tend_using_subcommand audit; and __fish_seen_subcommand_from tail" -s n -l lines -d 'How many of the last matching rows to print; `all` for every one' -r
complete -c tend -n "__fish_tend_using_subcommand audit; and __fish_seen_subcommand_from tail" -l now -d 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)' -r
complete -c tend -n "__fish_tend_using_subcommand audit; and __fish_seen_subcommand_from tail" -l root -d 'State root directory' -r -f -a "(__fish_complete_directories)"
complete -c tend -n "__fish_tend_using_subcommand audit; and __fish_seen_subcommand_from tail" -l config -d 'Configuration file [default: <root>/tend.toml]' -r -F
complete -c tend -n "__fish_tend_using_subcommand audit; and __fish_seen_subcommand_from tail" -s f -l follow -d 'Keep printing rows as they are appended (until interrupted)'
complete -c tend -n "__fish_tend_using_subcommand audit; and __fish_seen_subcommand_from tail" -l json -d 'Print JSON Lines: one object per item, then a summary object'
complete -c tend -n "__fish_tend_using_subcommand audit; and __fish_seen_subcommand_from tail" -s q -l quiet -d 'Print nothing but errors'
complete -c tend -n "__fish_tend_using_subcommand audit; and __fish_seen_subcommand_from tail" -s v -l verbose -d 'Print a line per item processed'
complete -c tend -n "__fish_tend_using_subcommand audit; and __fish_seen_subcommand_from tail" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tend -n "__fish_tend_using_subcommand audit; and __fish_seen_subcommand_from tail" -s V -l version -d 'Print version'
complete -c tend -n "__fish_tend_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "emit" -d 'Append one validated row to today\'s segment'
complete -c tend -n "__fish_tend_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "tail" -d 'Print rows of the audit log (the last 10 by default)'
complete -c tend -n "__fish_tend_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tend -n "__fish_tend_using_subcommand tick" -l now -d 'Run as if at this instant (RFC 3339 or YYYY-MM-DD)' -r
complete -c tend -n "__fish_tend_using_subcommand tick" -l root -d 'State root directory' -r -f -a "(__fish_complete_directories)"
complete -c tend -n "__fish_tend_using_subcommand tick" -l config -d 'Configuration file [default: <root>/tend.toml]' -r -F
complete -c tend -n "__fish_tend_using_subcommand tick" -l dry-run -d 'Compute and print everything; send nothing, write nothing'
complete -c tend -n "__fish_tend_using_subcommand tick" -l json -d 'Print JSON Lines: one object per item, then a summary object'
complete -c tend -n "__fish_tend_using_subcommand tick" -s q -l quiet -d 'Print nothing but errors'
complete -c tend -n "__fish_tend_using_subcommand tick" -s v -l verbose -d 'Print a line per item processed'
complete -c tend -n "__fish_tend_using_subcommand tick" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tend -n "__fish_tend_using_subcommand tick" -s V -l version -d 'Print version'
complete -c tend -n "__fish_tend_using_subcommand help; and not __fish_seen_subcommand_from init probe wake alerts incidents watchers gc promote status report doctor config audit tick help" -f -a "init" -d 'Create the state root\'s layout and a commented tend.toml'
complete -c tend -n "__fish_tend_using_subcommand help; and not __fish_seen_subcommand_from init probe wake alerts incidents watchers gc promote status report doctor config audit tick help" -f -a "probe" -d 'Run health probes: Nagios plugins, JSON probes, http and tcp checks'
complete -c tend -n "__fish_tend_using_subcommand help; and not __fish_seen_subcommand_from init probe wake alerts incidents watchers gc promote status report doctor config audit tick help" -f -a "wake" -d 'Turn wake requests into debounced, investigated operator messages'
complete -c tend -n "__fish_tend_using_subcommand help; and not __fish_seen_subcommand_from init probe wake alerts incidents watchers gc promote status report doctor config audit tick help" -f -a "alerts" -d 'Push newly firing alerts to Slack, email, a webhook or stdout without spam'
complete -c tend -n "__fish_tend_using_subcommand help; and not __fish_seen_subcommand_from init probe wake alerts incidents watchers gc promote status report doctor config audit tick help" -f -a "incidents" -d 'Show incidents: one per problem, from its first failure to its resolution'
complete -c tend -n "__fish_tend_using_subcommand help; and not __fish_seen_subcommand_from init probe wake alerts incidents watchers gc promote status report doctor config audit tick help" -f -a "watchers" -d 'Flag entities that silently stalled (flag-only, deterministic watchers)'
complete -c tend -n "__fish_tend_using_subcommand help; and not __fish_seen_subcommand_from init probe wake alerts incidents watchers gc promote status report doctor config audit tick help" -f -a "gc" -d 'Remove orphaned agent checkpoints and old audit segments, safely'
complete -c tend -n "__fish_tend_using_subcommand help; and not __fish_seen_subcommand_from init probe wake alerts incidents watchers gc promote status report doctor config audit tick help" -f -a "promote" -d 'Observe the platform\'s telemetry, propose changes, review them from the shell'
complete -c tend -n "__fish_tend_using_subcommand help; and not __fish_seen_subcommand_from init probe wake alerts incidents watchers gc promote status report doctor config audit tick help" -f -a "status" -d 'Show each command\'s last run, overdue commands, lock holders, cursor lag'
complete -c tend -n "__fish_tend_using_subcommand help; and not __fish_seen_subcommand_from init probe wake alerts incidents watchers gc promote status report doctor config audit tick help" -f -a "report" -d 'Write a status page, or print a report: uptime, latency, incidents, spend'
complete -c tend -n "__fish_tend_using_subcommand help; and not __fish_seen_subcommand_from init probe wake alerts incidents watchers gc promote status report doctor config audit tick help" -f -a "doctor" -d 'Check the root and explain how to recover from what is found'
complete -c tend -n "__fish_tend_using_subcommand help; and not __fish_seen_subcommand_from init probe wake alerts incidents watchers gc promote status report doctor config audit tick help" -f -a "config" -d 'Check or show the configuration'
complete -c tend -n "__fish_tend_using_subcommand help; and not __fish_seen_subcommand_from init probe wake alerts incidents watchers gc promote status report doctor config audit tick help" -f -a "audit" -d 'Append to or read the audit log'
complete -c tend -n "__fish_tend_using_subcommand help; and not __fish_seen_subcommand_from init probe wake alerts incidents watchers gc promote status report doctor config audit tick help" -f -a "tick" -d 'Run every loop once, in order (one crontab line for all of them)'
complete -c tend -n "__fish_tend_using_subcommand help; and not __fish_seen_subcommand_from init probe wake alerts incidents watchers gc promote status report doctor config audit tick help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tend -n "__fish_tend_using_subcommand help; and __fish_seen_subcommand_from probe" -f -a "run" -d 'Run every enabled probe (or the named ones) once'
complete -c tend -n "__fish_tend_using_subcommand help; and __fish_seen_subcommand_from wake" -f -a "consume" -d 'Debounce new wake requests, investigate each one due, message the operator'
complete -c tend -n "__fish_tend_using_subcommand help; and __fish_seen_subcommand_from alerts" -f -a "notify" -d 'Notify newly firing alerts (the cron line, every few minutes)'
complete -c tend -n "__fish_tend_using_subcommand help; and __fish_seen_subcommand_from alerts" -f -a "list" -d 'Show active, notified, suppressed, silenced and queued alerts'
complete -c tend -n "__fish_tend_using_subcommand help; and __fish_seen_subcommand_from alerts" -f -a "digest" -d 'Send the info alerts queued by info_mode = "digest" as one message (daily cron line)'
complete -c tend -n "__fish_tend_using_subcommand help; and __fish_seen_subcommand_from alerts" -f -a "test" -d 'Send a clearly labelled test message through the real channel'
complete -c tend -n "__fish_tend_using_subcommand help; and __fish_seen_subcommand_from alerts" -f -a "silence" -d 'Mute matching alerts for a while'
complete -c tend -n "__fish_tend_using_subcommand help; and __fish_seen_subcommand_from incidents" -f -a "list" -d 'List open and recently resolved incidents, with the command that silences each'
complete -c tend -n "__fish_tend_using_subcommand help; and __fish_seen_subcommand_from incidents" -f -a "show" -d 'Show an incident\'s timeline: results, wakes, messages, diagnosis, resolution'
complete -c tend -n "__fish_tend_using_subcommand help; and __fish_seen_subcommand_from watchers" -f -a "tick" -d 'Run the enabled watchers (or the named ones) once'
complete -c tend -n "__fish_tend_using_subcommand help; and __fish_seen_subcommand_from watchers" -f -a "list" -d 'List the configured watchers: enabled, their actor\'s state, last run'
complete -c tend -n "__fish_tend_using_subcommand help; and __fish_seen_subcommand_from watchers" -f -a "explain" -d 'Print the decision an entity would get now, with the reasoning'
complete -c tend -n "__fish_tend_using_subcommand help; and __fish_seen_subcommand_from gc" -f -a "checkpoints" -d 'Delete checkpoint threads whose session is gone ([gc.checkpoints])'
complete -c tend -n "__fish_tend_using_subcommand help; and __fish_seen_subcommand_from gc" -f -a "audit" -d 'Remove audit segments older than --keep-days (by their file date)'
complete -c tend -n "__fish_tend_using_subcommand help; and __fish_seen_subcommand_from promote" -f -a "observe" -d 'Read the audit log over each loop\'s window into observations/<loop>.json'
complete -c tend -n "__fish_tend_using_subcommand help; and __fish_seen_subcommand_from promote" -f -a "propose" -d 'Turn the latest observations into pending proposals'
complete -c tend -n "__fish_tend_using_subcommand help; and __fish_seen_subcommand_from promote" -f -a "run" -d 'Observe, propose and expire: the usual cron line'
complete -c tend -n "__fish_tend_using_subcommand help; and __fish_seen_subcommand_from promote" -f -a "list" -d 'List proposals as a table: id, loop, subject, age, status'
complete -c tend -n "__fish_tend_using_subcommand help; and __fish_seen_subcommand_from promote" -f -a "show" -d 'Show one proposal: a summary with its rationale (--json: the proposal)'
complete -c tend -n "__fish_tend_using_subcommand help; and __fish_seen_subcommand_from promote" -f -a "approve" -d 'Approve a pending proposal, after checking its evidence afresh'
complete -c tend -n "__fish_tend_using_subcommand help; and __fish_seen_subcommand_from promote" -f -a "reject" -d 'Reject a pending proposal (its subject is not proposed again for ttl_days)'
complete -c tend -n "__fish_tend_using_subcommand help; and __fish_seen_subcommand_from promote" -f -a "expire" -d 'Move pending proposals older than ttl_days to expired/'
complete -c tend -n "__fish_tend_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "check" -d 'Validate the configuration (file, environment overrides) and exit'
complete -c tend -n "__fish_tend_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "show" -d 'Print the effective configuration, defaults marked, secrets redacted'
complete -c tend -n "__fish_tend_using_subcommand help; and __fish_seen_subcommand_from audit" -f -a "emit" -d 'Append one validated row to today\'s segment'
complete -c tend -n "__fish_tend_using_subcommand help; and __fish_seen_subcommand_from audit" -f -a "tail" -d 'Print rows of the audit log (the last 10 by default)'
