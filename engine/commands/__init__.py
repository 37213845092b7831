"""Layer 12, commands: one module per `chronicle` command, `configure(parser)` and `run(args) -> exit code`.

May import: every layer below (base … bench). Nothing below imports a command module.
"""
