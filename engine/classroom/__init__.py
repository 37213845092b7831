"""Layer 8, classroom: documents for teachers and students — the class report, exports, the document model.

May import: every layer below (base … tools).
"""
