fn main() -> std::process::ExitCode {
    tend::run(std::env::args_os())
}
