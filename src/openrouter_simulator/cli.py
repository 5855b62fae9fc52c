"""Run the simulator standalone: ``python -m openrouter_simulator``.

Prints one line, the base URL (``http://HOST:PORT/api/v1``), and serves until SIGTERM or
SIGINT. The fake secrets are never printed; ``--keys-file`` writes them (mode 0600) as
``{"base_url", "control_url", "management_key", "inference_keys"}`` for scripts.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from openrouter_simulator.scenario import Scenario
from openrouter_simulator.server import Simulator

SCENARIOS: dict[str, Callable[[int], Scenario]] = {
    "demo": Scenario.demo,
    "small": Scenario.small,
    "large": Scenario.large,
    "personal": Scenario.personal,
}


def parse_listen(value: str) -> tuple[str, int]:
    """``HOST:PORT`` or ``[IPV6]:PORT``; the host is required (nothing binds implicitly)."""
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {value!r}")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host, int(port)


def _speed(value: str) -> float:
    try:
        speed = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {value!r}") from None
    if not speed >= 0:
        raise argparse.ArgumentTypeError("the speed must be >= 0")
    return speed


def build_parser(prog: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Serve a simulated OpenRouter account (fake API plus /_sim control API).",
    )
    parser.add_argument(
        "--listen",
        type=parse_listen,
        default=("127.0.0.1", 0),
        metavar="HOST:PORT",
        help="address to bind (default 127.0.0.1:0, a free loopback port)",
    )
    parser.add_argument(
        "--speed", type=_speed, default=1.0, help="spend-rate multiplier (default 1)"
    )
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), default="demo")
    parser.add_argument("--seed", type=int, default=7, help="seed of all simulated data")
    parser.add_argument(
        "--keys-file",
        type=Path,
        metavar="PATH",
        help="write base_url, control_url and the fake keys as JSON here (mode 0600)",
    )
    return parser


def write_keys_file(path: Path, content: dict[str, object]) -> None:
    """Write atomically with mode 0600 (never readable by others, even briefly)."""
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=".sim-keys-", dir=directory)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(content, handle, indent=2)
            handle.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    args = build_parser(prog).parse_args(argv)
    host, port = args.listen
    simulator = Simulator(SCENARIOS[args.scenario](args.seed), speed=args.speed)
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        try:
            base_url = simulator.start(host, port)
        except OSError as exc:
            print(f"simulator: cannot listen on {host}:{port}: {exc.strerror}", file=sys.stderr)
            return 1
        if args.keys_file is not None:
            write_keys_file(args.keys_file, simulator.credentials())
        print(base_url, flush=True)
        stop.wait()
    finally:
        simulator.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
