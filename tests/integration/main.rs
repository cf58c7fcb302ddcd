//! Integration tests: the real binary against real files, processes and
//! loopback servers. One module per subcommand group.

mod support;

mod alerts;
mod audit;
mod config;
mod crash;
mod day;
mod docs;
mod fault;
mod gc;
mod hygiene;
mod init_status;
mod layers;
mod mistakes;
mod probe;
mod promote;
mod quiet;
mod readme;
mod recipe;
mod report;
mod secrets;
mod store;
mod threads;
mod wake;
mod watchers;
