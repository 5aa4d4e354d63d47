"""The online approval centre (网上审批中心): assignment strategies, skills and figures."""
