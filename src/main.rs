//! The `iss` binary: everything happens in the library.

fn main() -> std::process::ExitCode {
    iss_workstation::cli::main()
}
