//! `runtime-rules`: the server binary (`serve`, `seed`, `demo`). See
//! `runtime-rules --help` and the README.

fn main() -> std::process::ExitCode {
    runtime_rules::server::cli::main()
}
