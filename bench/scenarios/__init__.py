"""The measurements: P1 throughput, P2 inbox, P3 overdue scan, P4 consolidation."""
