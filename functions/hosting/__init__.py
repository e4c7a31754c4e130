"""Hosting domains on the platform: the descriptor a domain package exports (`Domain`), the
validated set of them a deployment runs (`Catalogue`), and what a domain's service is built
from (`Platform`). Nothing here names a domain: the composition root hands the domains in.
"""
