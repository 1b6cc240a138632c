"""`python -m spasmcheck`."""

from spasmcheck.frontends.cli import main

main()
