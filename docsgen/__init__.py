"""The reference tables of ``docs/``, generated from the code so that they cannot disagree
with it: the settings table of ``docs/configuration.md`` from the settings catalogue, the
metrics table of ``docs/metrics.md`` from the metric families the exporter serves.

``python -m docsgen`` rewrites the tables between their marker comments;
``python -m docsgen --check`` writes nothing and exits 1 when a committed table is stale.
"""
