"""Serve the app with bjoern, which has no command line of its own (``bench/run.py --server bjoern``).

``python bench/bjoern_serve.py --workers N --port P 'core:create_app()'`` forks N processes;
each builds its own app (no connection crosses a fork) and listens on 127.0.0.1:P with
``SO_REUSEPORT``, so the kernel spreads the connections. SIGTERM stops them all.
"""
from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys


def load(target: str):
    module, _, call = target.partition(":")
    factory = getattr(importlib.import_module(module), call.removesuffix("()"))
    return factory() if call.endswith("()") else factory


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("app", help="module:factory() or module:app")
    args = p.parse_args(argv)
    children = []
    for _ in range(args.workers):
        pid = os.fork()
        if pid == 0:
            import bjoern

            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            bjoern.run(load(args.app), "127.0.0.1", args.port, reuse_port=True)
            os._exit(0)
        children.append(pid)

    def stop(*_):
        for child in children:
            try:
                os.kill(child, signal.SIGTERM)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for child in children:
        try:
            os.waitpid(child, 0)
        except ChildProcessError:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
