"""Stock: the movement ledger and balances, order reservations, shipping capacity, the audit,
merchants' out-of-stock reports."""
