"""Benchmark harness: data generator, scenarios P1–P4 and memory, results (`make bench`)."""
