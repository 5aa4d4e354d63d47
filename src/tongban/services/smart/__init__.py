"""Rules as code and 办件秒批: rule sets, the decision, its inputs and human review."""
