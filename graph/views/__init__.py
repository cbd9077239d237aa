"""Read views over the store protocol, for the API, the CLI and the UI: project pages and rows
(``projects``), entity pages (``entities``), grants and budgets (``money``) and the
neighbourhood drawing (``network``)."""
