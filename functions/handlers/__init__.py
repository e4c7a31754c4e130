"""Thin Lambda entry points: parse, call the application, map errors."""
