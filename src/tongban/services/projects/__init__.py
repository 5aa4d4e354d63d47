"""The proxy service (代办): projects, steps filed as cases, history, reads, the dashboard."""
