"""Layer 6, saves: games kept on disk — save files and slots, the save store, transcripts.

May import: every layer below (base, format, expressions, core, record, build).
"""
