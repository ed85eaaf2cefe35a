"""The buyer's questions answered from an order's real state (`view.order_answers`), for the
buyer, the order's merchant and the platform."""
