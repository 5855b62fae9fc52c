"""The status page at / and /status.json: view model, HTML, charts, routes."""
