"""Layer 11, bench: `chronicle bench` — measurements and the synthetic scenarios they run on.

May import: every layer below (base … editor).
"""
