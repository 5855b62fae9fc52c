"""HTTP: listeners, web config, negotiation, the collector and the exposition."""
