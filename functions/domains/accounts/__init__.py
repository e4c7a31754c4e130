"""The account ledger domain: commands, events, rules and read-model projections."""
