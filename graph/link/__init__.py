"""Linking text to reference entities: the reference data (``reference``, ``reference_graph``),
the gazetteer and linker for places and organisations, place-name ambiguity, YSO theme
matching (``themes``) and likely duplicate organisations (``duplicates``)."""
