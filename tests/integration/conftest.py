"""Fixtures shared by the integration tests of several areas."""

from tests.integration.federation_pair import keep_logging, pair

__all__ = ["keep_logging", "pair"]
