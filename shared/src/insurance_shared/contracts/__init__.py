"""Versioned contracts between services: event payloads and cross-service HTTP bodies (see the Events issue)."""
