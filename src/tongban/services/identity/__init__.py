"""Identifying a person for 免证办: citizen code, ID-card reader, face check."""
