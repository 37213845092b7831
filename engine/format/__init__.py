"""Layer 1, format: reading a scenario file safely — safe YAML with marks, the one schema, validation.

May import: engine.base.
"""
