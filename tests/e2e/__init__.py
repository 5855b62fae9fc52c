"""End to end: real Prometheus and Alertmanager, install paths."""
