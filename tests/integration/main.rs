//! Integration tests: the real binary against real files, processes and
//! loopback servers. One module per subcommand group.

mod support;

mod alerts;
mod audit;
mod config;
mod docs;
mod gc;
mod init_status;
mod probe;
mod quiet;
mod store;
mod wake;
mod wake_crash;
mod watchers;
