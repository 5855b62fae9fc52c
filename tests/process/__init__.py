"""Tests against the real exporter process and the OpenRouter simulator."""
