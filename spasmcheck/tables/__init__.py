"""The tables: reading `data/*.yaml` with line numbers, validating it with located errors, and
compiling and caching it into the core's records."""
