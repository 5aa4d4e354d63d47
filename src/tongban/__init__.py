"""tongban (通办): a one-stop government-service platform."""

__version__ = "0.1.0"
