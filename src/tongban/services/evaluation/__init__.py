"""好差评: rating cases and visits, the rectification of poor ratings, the statistics."""
