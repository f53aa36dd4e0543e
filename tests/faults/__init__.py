"""Fault tests: real processes (PostgreSQL, Redis, uvicorn, Celery) stopped, killed and restarted (issue 8, 1-7)."""
