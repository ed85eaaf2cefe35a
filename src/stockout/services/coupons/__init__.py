"""Compensation coupons once issued: a buyer redeems them."""
