"""The one way the Lambda entry points make their Powertools Tracer."""

from __future__ import annotations

from aws_lambda_powertools import Tracer

# The functions call AWS only through botocore. Left to itself, Tracer patches every library the
# X-Ray SDK supports that happens to be importable, importing each one on the cold start to do
# so; naming botocore keeps the AWS calls traced (one subsegment per DynamoDB, S3 or EventBridge
# request) without paying for libraries these functions never call.
TRACED_MODULES = ("botocore",)


def tracer() -> Tracer:
    return Tracer(patch_modules=TRACED_MODULES)
