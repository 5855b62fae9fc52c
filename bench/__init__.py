"""Benchmarks of openrouter-exporter against the OpenRouter simulator.

``python -m bench`` (from the repository root) runs them all and prints a markdown table;
``python -m bench --quick`` is a short run. See ``bench/README.md``.
"""
