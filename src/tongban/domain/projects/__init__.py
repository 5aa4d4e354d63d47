"""Investment projects and the proxy service (代办): the project, its roadmap, the rules."""
