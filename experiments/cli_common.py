"""What every ``aicm`` command shares: exit codes, whole-number options and the one-line usage error."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import NoReturn

from experiments.output_folder import find_file_in_the_way
from market.parameters.schema import ParamError

EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def positive_int(name: str):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} = {text!r} is not allowed: expected a whole number") from None
        if value < 0 if name == "--seed" else value < 1:
            allowed = ">= 0" if name == "--seed" else ">= 1"
            raise argparse.ArgumentTypeError(f"{name} = {text!r} is not allowed: expected a whole number {allowed}")
        return value
    return parse


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line on stderr (``--help`` shows the usage)."""

    def error(self, message: str) -> NoReturn:
        """Print ``error: <prog>: <message>`` and exit with code 2."""
        print(f"error: {self.prog}: {message}", file=sys.stderr)
        sys.exit(EXIT_USAGE)


def ensure_writable_folder(path: Path, option: str = "--out") -> Path:
    """Create ``path`` (and its parents) if need be and check it can be written, before any work is done.

    Raises:
        ParamError: one line naming ``option`` when the folder cannot be made or written.
    """
    blocking = find_file_in_the_way(path)
    if blocking is not None:
        raise ParamError(f"{option} = '{path}' is not allowed: expected a folder, and '{blocking}' is a file")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ParamError(f"{option} = '{path}' is not allowed: expected a folder that can be written "
                         f"({exc.strerror or exc})") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise ParamError(f"{option} = '{path}' is not allowed: expected a folder that can be written (permission denied)")
    return path
