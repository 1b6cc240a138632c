"""`python -m spasmcheck`, and the `spasmcheck` console script (`main`)."""


def main() -> None:
    """The command line, with the cyclic collector held until the tables are loaded.

    Start-up allocates some 200,000 objects that live until the process ends (typer's and
    Click's modules, spasmcheck's, the tables) and makes no cyclic garbage worth finding: the
    40 or so collection passes it would trigger cost about 4 ms a run. `cli` lets the collector
    run again once the tables are loaded, so batch mode, the service and the prompts run with
    it, after moving what start-up made to the permanent generation (`gc.freeze`): a first pass
    through all of it would cost more than the passes saved.
    """
    import gc

    gc.disable()
    try:
        from spasmcheck.frontends import cli
    except KeyboardInterrupt:  # Ctrl-C in the first few tens of ms: as anywhere else
        _stopped()
    else:
        cli.main(collector_held=True)


def _stopped() -> None:
    """Exit 130 with the Ctrl-C notice, before the command line that says it is imported."""
    import os
    import sys

    from spasmcheck.core.errors import ExitCode, stopped

    try:  # stderr may be closed (`2>&-`) or gone: the exit code still says it
        sys.stderr.write("\n" + stopped() + "\n")
        sys.stderr.flush()
    except (AttributeError, OSError, ValueError):
        pass
    os._exit(ExitCode.INTERRUPTED)


if __name__ == "__main__":
    main()
