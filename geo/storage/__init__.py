"""Storage: the embedded PostGIS cluster, engine and sessions, models and Alembic migrations."""
