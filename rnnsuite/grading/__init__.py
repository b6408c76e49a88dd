"""Grading student submissions: isolated child processes, hidden labels, result formats."""
