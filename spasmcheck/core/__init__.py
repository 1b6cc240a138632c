"""The core: the typed records the tables compile into, and the pure engines that answer
(`checker.Checker` is the one entry point). No I/O, no printing, no import from elsewhere in
spasmcheck."""
