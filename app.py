#!/usr/bin/env python3
"""CDK entry point. `CDK_OUTDIR=cdk.out python app.py` writes the cloud assembly without the CLI.

Context: `-c stage=dev|prod` (default dev) and the knobs documented in infra/config.py. The
stack hosts the domains `functions/installed_domains/` lists.
"""

import aws_cdk as cdk

from infra.stack import build
from installed_domains import DOMAINS

app = cdk.App()
build(app, DOMAINS)
app.synth()
