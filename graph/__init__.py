"""The knowledge graph: loading documents, extraction, linking, building triples, the store."""
