"""phav's benchmark suite: ``python -m benchmarks [--quick] [--out FILE.json]`` from the repository root."""
