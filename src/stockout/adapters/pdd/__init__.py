"""Pinduoduo open platform (POP): the vendor's JSON mapped onto the event contract (pure), the
request signing, and the gateway client."""
