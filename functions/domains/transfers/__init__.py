"""Transfers between ledger accounts: immediate, or pending (funds reserved) until posted in
full or in part, voided, or expired on their deadline."""
