"""E-licences (电子证照): licence types, the licence value object and trust levels."""
