"""Chronicle: an interactive-fiction engine for history.

The core (loading, compiling, the state machine) never imports the terminal libraries;
the front ends in ``engine.play.tui``, ``engine.play.plain`` and ``engine.cli`` are clients of it.
"""

__version__ = "0.1.0"
ENGINE_VERSION = __version__
