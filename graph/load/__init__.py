"""Loading: bytes in, a decoded document out (``loader``), and label/value page layouts
(``layout``)."""
