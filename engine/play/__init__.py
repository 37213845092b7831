"""Layer 9, play: a game in progress and its front ends — session, page model, full terminal UI, plain mode, picker.

May import: every layer below (base … classroom). The only layer that imports prompt_toolkit (rich, which
only the class report uses, may be imported from classroom up).
"""
