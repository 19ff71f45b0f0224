"""Drivers: the loops that move articles through the stages and the desk into the store (ingest, watch, backfill)."""
