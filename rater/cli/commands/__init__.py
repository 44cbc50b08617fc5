"""One module per CLI command, each exposing `run(args) -> int`; thin wrappers over the library."""
