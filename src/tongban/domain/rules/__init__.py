"""Rules as code (办件秒批): versioned rule sets per item, CEL expressions, evaluation."""
