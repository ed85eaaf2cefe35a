"""Judging online: ingesting events, re-judging orders, the verdict ledger, announcements, and the
read side of orders and verdicts."""
