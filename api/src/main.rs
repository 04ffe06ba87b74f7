//! The `barta` binary.

fn main() -> anyhow::Result<()> {
    api::cli::run()
}
