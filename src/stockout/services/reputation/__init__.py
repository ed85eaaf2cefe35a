"""Measures against repeat offenders and a shop's reputation score."""
