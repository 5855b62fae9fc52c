"""OpenRouter's HTTP API: the client and the wire models of its answers."""
