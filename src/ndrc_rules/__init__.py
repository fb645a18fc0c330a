"""ndrc-rules: French BTS exam regulations as text, every decision explained."""

__version__ = "0.1.0"
