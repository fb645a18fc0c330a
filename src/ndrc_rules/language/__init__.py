"""Text → checked core model: source, parser, surface AST, loader, checker, lints, formatter."""
