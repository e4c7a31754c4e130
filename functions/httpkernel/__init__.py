"""The HTTP kernel every domain's routes run in: the resolver with its body guards, error
mapping (by error kind) and OpenAPI document, command-request parsing and response helpers.
Domains register their own routes; nothing here names one.
"""
