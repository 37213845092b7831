"""Layer 3, core: the compiled story and game state (immutable values), the one transition, the clock, the debrief.

Pure: no I/O, no printing, no randomness. May import: engine.base, engine.expressions.
"""
