"""Packaging beyond what pyproject.toml can say: the shipped scenarios and the seed texts travel inside the package.

The repository keeps them once, at the top (`scenarios/`, `seeds/`); the sdist carries them there and the
wheel maps them into the package as `engine/_data/scenarios` and `engine/_data/seeds`, where
`engine.base.paths` finds them through importlib.resources.
"""

from setuptools import find_packages, setup

DATA = {"engine._data.scenarios": "scenarios", "engine._data.seeds": "seeds"}

setup(
    packages=[*find_packages(include=["engine", "engine.*"]), *DATA],
    package_dir=DATA,
    package_data={"engine.format": ["*.json"], "engine.classroom": ["assets/*.js", "assets/*.css", "assets/*.html"],
                  **{name: ["**/*.yaml", "**/*.json", "**/*.md", "**/*.txt"] for name in DATA}},
    exclude_package_data={name: ["**/__pycache__/*"] for name in DATA},
)
