"""Layer 8, classroom: documents for teachers and students — the class report, exports, the document model
and the one map of output formats (`formats`).

May import: every layer below (base … tools).
"""
