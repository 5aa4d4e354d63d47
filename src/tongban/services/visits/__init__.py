"""Visits to a centre: queue numbers, windows that call them (and, later, appointments)."""
