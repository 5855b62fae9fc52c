"""Prometheus exporter for OpenRouter prepaid credits."""

__version__ = "0.1.0"
