"""跨城通办: the rules two tongban nodes follow to hand cases to each other (docs/federation.md)."""
