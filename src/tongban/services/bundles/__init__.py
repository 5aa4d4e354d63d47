"""Bundles (一件事一次办): definitions, applications and their read side."""
