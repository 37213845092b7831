"""Layer 7, tools: authoring tools — lint, exploration, random play, plans, the story map, stats, scaffold, grounding.

May import: every layer below (base … saves). Never the terminal front ends.
"""
