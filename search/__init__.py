"""Bilingual search: encoders, chunking, vector and lexical indexes, hybrid ranking."""
