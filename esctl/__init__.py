"""Operator tooling: the local stack (`make run`) and the `esctl` command."""
