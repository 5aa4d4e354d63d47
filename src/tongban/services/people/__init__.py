"""People: accounts, roles and passwords, signing in, and server-side sessions."""
