"""The online approval centre (网上审批中心): assignment, scope, settings and its read side."""
