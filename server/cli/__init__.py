"""`auro-pai`: one module per command; `main` parses the command line and runs one."""
