"""The buyer's remedies after a stockout: offers, choices, what each party is told."""
