"""Bundles (一件事一次办, 联审联办): one application for several items across departments."""
