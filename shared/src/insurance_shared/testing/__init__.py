"""Pytest support for the services: a migrated PostgreSQL database per service per run, rolled back per test.

In a service's ``tests/conftest.py``::

    globals().update(service_fixtures("contributions", create_app=create_app, settings_cls=Settings))

gives the fixtures ``database_url`` (session), ``db`` and ``client`` (inside a transaction rolled back after each
test), ``live_db`` and ``live_client`` (real commits on a pooled engine, tables emptied after the test: for
concurrency), and ``app_factory``. ``auth_headers`` comes from the plugin for every test.
"""

from __future__ import annotations

from .fixtures import admin_url, service_fixtures

__all__ = ["admin_url", "service_fixtures"]
