"""`python -m spasmcheck`."""

from spasmcheck.cli import main

main()
