"""The HTTP API (FastAPI): routers, bearer-token auth, RFC 9457 problem details."""
