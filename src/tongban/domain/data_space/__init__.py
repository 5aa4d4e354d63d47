"""The personal data space (个人数据空间): grants, minimal-disclosure predicates, prefill and
licence-backed materials, in plain Python."""
