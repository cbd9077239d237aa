"""End-to-end fixtures live in ``tests/conftest.py`` (seeded engine, live server)."""
