"""Benchmarks that print medians and ratios measured in one run."""
