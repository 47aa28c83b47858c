"""What every ``aicm`` command shares: exit codes, whole-number options and the one-line usage error."""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

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
