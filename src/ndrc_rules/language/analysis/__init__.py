"""Static analysis of a checked program: dead rules (exact simplex), session ranges."""
