"""Start one moto server on 127.0.0.1 with the kit's extensions installed.

Usage: python3 launcher.py --port-file PATH [--port N]

The launcher imports moto, installs every extension module found in the
``extensions`` package next to this file (see its docstring), then serves
moto's HTTP API through ``ThreadedMotoServer`` on 127.0.0.1 until it receives
SIGTERM or SIGINT. Port 0 (the default) binds a free port. Once the server
listens, the launcher writes the bound port to ``--port-file`` (written to a
temporary name first and renamed, so a reader never sees a partial file).

Extensions read their settings from the environment of this process, for
example KIT_LOCAL_REGISTRY for the ECR extension.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import signal
import sys
import threading
from types import FrameType

HERE = os.path.dirname(os.path.abspath(__file__))


def install_extensions() -> list[str]:
    """Import each module of the extensions package and call its install()."""
    sys.path.insert(0, HERE)
    package = importlib.import_module("extensions")
    installed = []
    for module_info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"extensions.{module_info.name}")
        install = getattr(module, "install", None)
        if not callable(install):
            raise SystemExit(
                f"moto extension {module_info.name} has no install() function"
            )
        try:
            install()
        except ValueError as error:
            raise SystemExit(
                f"moto launcher: extension {module_info.name} rejected its settings: {error}"
            ) from error
        installed.append(module_info.name)
    return installed


def write_port_file(path: str, port: int) -> None:
    partial = f"{path}.partial"
    with open(partial, "w", encoding="utf-8") as handle:
        handle.write(f"{port}\n")
    os.replace(partial, path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="TCP port; 0 picks a free one")
    parser.add_argument("--port-file", required=True, help="file that receives the bound port")
    args = parser.parse_args()

    installed = install_extensions()

    from moto.server import ThreadedMotoServer

    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        print(f"moto launcher: received signal {signum}, stopping", flush=True)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=args.port, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    write_port_file(args.port_file, port)
    print(
        f"moto launcher: serving on http://{host}:{port} (pid {os.getpid()}, "
        f"extensions: {', '.join(installed) or 'none'})",
        flush=True,
    )

    while not stop.wait(0.5):
        pass
    server.stop()
    print("moto launcher: stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
