//! The `barta` binary.

/// mimalloc instead of glibc's malloc: a list response allocates and frees
/// thousands of small strings, and glibc's allocator was a fifth of the
/// server's CPU under load (see bench/results/perf.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    api::cli::run()
}
