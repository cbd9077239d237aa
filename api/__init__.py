"""The service: FastAPI app, routes, web UI and the CLI."""
