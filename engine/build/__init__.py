"""Layer 5, build: from a scenario folder to a compiled `Story` — compiler, compiled form, cache, loading.

May import: engine.base, engine.format, engine.expressions, engine.core, engine.record.
"""
