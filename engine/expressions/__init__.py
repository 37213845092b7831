"""Layer 2, expressions: the safe expression language of `when`, `do` and text templates.

May import: engine.base.
"""
