"""The front-ends: the command line, batch mode, the interactive prompts, the CDS Hooks service
and report files. They read the environment and the request, and word errors as their own."""
