"""spasmcheck: offline triage and medicine-interaction checks for muscle spasms."""

__version__ = "0.1.0"
