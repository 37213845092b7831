"""Layer 5, build: from scenario files to a compiled story — compiler, compiled form, cache, loader, catalogue.

May import: engine.base, engine.format, engine.expressions, engine.core, engine.record.
"""
