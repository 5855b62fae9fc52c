"""The domain: snapshots, the ledger, reconciliation, the forecast; no I/O."""
