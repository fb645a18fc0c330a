"""Checked model → decisions: binding, compiled evaluators, fast paths, traces."""
