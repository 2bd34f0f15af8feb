fn main() -> std::process::ExitCode {
    pnrpsim::cli::main()
}
