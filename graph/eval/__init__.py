"""Extraction quality: ``hankekg eval-extract``'s scoring (``extract``, ``fields``) and the
Annif-style lexical subject indexer it compares themes with (``lexical_subjects``)."""
