"""`partnerbot sandbox`: checks its options, then runs sandbox.run."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from sandbox.run import Options, main, port_free, refusal


def sandbox_command(args: argparse.Namespace) -> int:
    """Run the sandbox from parsed arguments; 2 for options it refuses."""
    options = Options(args.host, args.port, args.demo, args.lang, args.allow_remote, args.db)
    problem = refusal(options)
    if problem is None and not port_free(options.host, options.port):
        problem = f"port {options.port} on {options.host} is taken; choose another with --port"
    if problem is not None:
        print(f"partnerbot: error: {problem}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return asyncio.run(main(options))
