"""The application layer every domain shares: idempotent command execution with its metadata and
If-Match, and history paging. Domains' services hold only their use cases on top of it.

Like the core, it touches no AWS and no environment; the clock and ids arrive as functions.
"""
