"""App assembly, settings and the command line."""
