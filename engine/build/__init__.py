"""Layer 5, build: from scenario files to a compiled story — the compiler, the compiled form, its cache,
the loader and the scenario catalogue.

May import: engine.base, engine.format, engine.expressions, engine.core, engine.record.
"""
