"""Search fixtures: the seeded engine from ``tests/conftest.py`` is reused."""
