"""Layer 0, base: what every other layer leans on — diagnostics, durable files, terminal-safe text, paths.

May import: nothing from the engine but its version (the standard library, and platformdirs for the per-user folders).
"""
