"""Layer 4, record: the source texts, their index, quote verification, and a cited passage in its context.

May import: engine.base, engine.format, engine.core.
"""
