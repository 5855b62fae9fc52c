"""The monitoring mixin of openrouter-exporter: its dashboards and alert rules as code.

Both are generated from one :class:`mixin.config.MixinConfig`, so a platform team adopts
them by changing a few values (the selector of the exporter's series, where runbooks and
Grafana live) instead of editing generated files.
"""
