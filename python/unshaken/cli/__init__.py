"""Command-line tools: ``python -m unshaken watch`` and ``python -m unshaken storm``.

One module per command (``watch``, ``storm``); shared pieces in ``options`` (connection
options as the ``mysql`` client names them, MySQL's environment variables, the
throwaway-server fallback), ``output`` (percentiles, tables, the progress line),
``drivers`` (the one table of drivers: name, module, distribution) and ``signal_storm``
(counting handlers, the timer, the ``_killer`` process). The test suite's signal
scripts and the benchmark import the last two.
Stdlib only; ``--plot`` uses matplotlib when installed (``unshaken[plot]``).
"""

from __future__ import annotations

import argparse
import sys

__all__ = ["main"]

COMMANDS = {
    "watch": "hold one connection and sample latency and server threads at an interval",
    "storm": "run queries under a signal storm, for unshaken and other installed drivers",
}


def _usage() -> str:
    lines = ["usage: python -m unshaken COMMAND [options]", "", "commands:"]
    lines += [f"  {name:<7} {text}" for name, text in COMMANDS.items()]
    lines += ["", "Run 'python -m unshaken COMMAND --help' for a command's options."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "-?", "help"):
        print(_usage())
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command == "watch":
        from unshaken.cli import watch as mod
    elif command == "storm":
        from unshaken.cli import storm as mod
    else:
        print(f"unshaken: unknown command {command!r}\n\n{_usage()}", file=sys.stderr)
        return 2
    parser = mod.build_parser(argparse.ArgumentParser(
        prog=f"python -m unshaken {command}", description=COMMANDS[command],
        add_help=False,  # -h is --host, as in the mysql client; help is --help or -?
    ))
    parser.add_argument("--help", "-?", action="help", help="show this help and exit")
    args = parser.parse_args(rest)
    return mod.run(args)
