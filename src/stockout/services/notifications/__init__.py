"""Notifications: the messages written to the outbox and where delivered ones go."""
