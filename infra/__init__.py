"""AWS CDK infrastructure for the ledger: one stack composed of one construct per concern."""
