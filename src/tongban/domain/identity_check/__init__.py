"""Certificate-free identity (免证办): the citizen code, the ID-card reader and the face check
behind one interface, in plain Python."""
