"""Language helpers shared by extraction, linking and search: Voikko morphology (``finnish``),
genitives of place names (``genitive``) and date and period parsing (``dates``)."""
