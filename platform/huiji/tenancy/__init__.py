"""Tenancy helpers: resolving the association of a request, and running code in a schema."""
