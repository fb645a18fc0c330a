"""Candidate files in: CSV, JSON, JSONL."""
