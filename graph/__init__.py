"""The knowledge graph: loading, language, extraction, linking, the store and read views.

graph/README.md says which package holds what.
"""
