"""Cases (办件): intake, later steps, review steps, delivery, notices, storage, sweeps, reads."""
