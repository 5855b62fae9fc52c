"""Tests that need external tools: promtool, amtool, Chromium, kubectl, systemd."""
