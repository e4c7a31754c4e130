"""The domains the platform can host, one package each (`domains.accounts`, ...).

Nothing outside `domains` and the composition root (`installed_domains`) imports one: the
import-linter contracts in pyproject.toml forbid `domains` as a whole, so a new domain package
is held to the boundary the day it is added.
"""
