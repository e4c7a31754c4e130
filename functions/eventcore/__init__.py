"""A small, reusable event-sourcing core.

Nothing in this package touches AWS, the clock or the environment: storage is reached through the
ports in `store` and `snapshots`, and time, actor and ids arrive inside commands and metadata.
"""
