"""Foundations every stage shares: the message catalogue, exact numbers, column
names, the errors that stop a command on its input."""
