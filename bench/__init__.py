"""Reproducible benchmarks (``make bench``); see bench/RESULTS.md."""
