"""The plain-viewflow peer of P1: a minimal Start → View → End flow, installed only in bench."""
