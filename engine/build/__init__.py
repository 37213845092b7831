"""Layer 5, build: a scenario folder compiled into a story — compiler, compiled form, cache, loader, catalogue.
May import: engine.base, engine.format, engine.expressions, engine.core, engine.record.
"""
