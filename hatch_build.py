"""Wheel build hook: check the built-in tables and ship them compiled inside the package.

A broken table fails the build with its `file:line: field: problem` lines, so no wheel is made
from tables the tool would refuse. The compiled file is keyed like the run-time check
(`knowledge.tables_key`), so a wheel's tables are loaded from the package, which is trusted as
its code is, and never from the user's cache folder. Editable installs are checked but get no
compiled file: a checkout compiles (and caches) at run time, as its tables and code change.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CompileTables(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        root = Path(self.root).resolve()
        sys.path.insert(0, str(root))
        try:
            from spasmcheck.tables import knowledge
        finally:
            sys.path.remove(str(root))
        if Path(knowledge.__file__).resolve().parent.parent != root / "spasmcheck":
            raise RuntimeError(f"the build imported spasmcheck from {knowledge.__file__}, "
                               f"not from {root}")
        kb, problems = knowledge.check(None)
        if problems or kb is None:
            lines = "\n".join(str(problem) for problem in problems)
            raise RuntimeError(f"the built-in tables are broken:\n{lines}")
        if version == "editable":
            return
        tables = knowledge._read_tables(knowledge.builtin_data_dir(), knowledge.BUILTIN)
        key = knowledge.tables_key(tables, knowledge.BUILTIN)
        self._folder = tempfile.TemporaryDirectory(prefix="spasmcheck-build-")
        compiled = Path(self._folder.name) / knowledge.COMPILED_NAME
        compiled.write_bytes(knowledge.compiled_bytes(kb, key))
        build_data["force_include"][str(compiled)] = f"spasmcheck/{knowledge.COMPILED_NAME}"

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        folder = getattr(self, "_folder", None)
        if folder is not None:
            folder.cleanup()
