"""Cross-cutting plumbing: transactions, audit, outbox, inbox, idempotency, calendar, policies."""
