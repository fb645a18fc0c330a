"""Decisions kept and proved: records, their schemas, the store, replay."""
