"""`ndrc-rules serve`: the web interface on this machine (`web.app`), by uvicorn.

The socket is bound here, before the application is made, so that `--port 0`
gets a free port and the application knows the address it must answer to."""

from __future__ import annotations

import argparse
import socket
from pathlib import Path

from ndrc_rules.cli.console import EXIT_OK, stderr
from ndrc_rules.common.errors import InputFileError
from ndrc_rules.common.messages import CATALOGUES, text

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "folder",
        nargs="?",
        type=Path,
        default=Path("regulations"),
        metavar="REG_DIR",
        help=text("cli.serve_folder"),
    )
    command.add_argument("--port", type=int, default=8000, help=text("cli.serve_port"))
    command.add_argument("--host", default="127.0.0.1", help=text("cli.serve_host"))
    command.add_argument("--lang", choices=sorted(CATALOGUES), help=text("cli.lang"))


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from ndrc_rules.web.app import create_app

    if not args.folder.is_dir():
        raise InputFileError("web.no_folder", {"path": args.folder})
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    listening = socket.socket(family, socket.SOCK_STREAM)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listening.bind((args.host, args.port))
    port = listening.getsockname()[1]
    app = create_app(args.folder, host=args.host, port=port, lang=args.lang)
    if args.host not in LOOPBACK:
        stderr().print(text("web.not_loopback", host=args.host), markup=False, style="yellow")
    shown = f"[{args.host}]" if family == socket.AF_INET6 else args.host
    url = f"http://{shown}:{port}/"
    print(text("web.serving", folder=args.folder, url=url), flush=True)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    server.run(sockets=[listening])
    return EXIT_OK
