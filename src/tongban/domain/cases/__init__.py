"""Cases (办件): the aggregate, its statuses, clock, numbers, form checks and audit chain."""
