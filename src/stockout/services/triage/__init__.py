"""Shortage triage: which orders to ship, report, substitute, restock or refund."""
