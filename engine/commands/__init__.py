"""One module per `chronicle` command: `configure(parser)` and `run(args) -> exit code`."""
