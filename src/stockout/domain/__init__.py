"""The pure core of stockout: events, timelines, rule packs and the judge.

Standard library only; no clock, no I/O, no framework (DESIGN.md, convention 1).
"""
