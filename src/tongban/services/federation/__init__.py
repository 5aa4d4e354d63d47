"""跨城通办: this node's identity, its trusted partners, the signed messages and their log."""
