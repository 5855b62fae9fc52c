"""The sockets the HTTP server accepts on: bound from listen addresses, or passed by systemd.

Socket activation follows sd_listen_fds(3): systemd passes listening sockets as file
descriptors from 3 on, with ``LISTEN_FDS`` their count and ``LISTEN_PID`` the process they
are meant for. The variables are removed once read, so a child process does not take them.
"""

import os
import socket
from collections.abc import MutableMapping

from openrouter_exporter.config.schema import ListenAddress

SD_LISTEN_FDS_START = 3


class ListenError(Exception):
    """The listen address cannot be bound (in use, not local, not permitted), or systemd
    passed no socket."""

    def __init__(self, setting: str, message: str) -> None:
        super().__init__(message)
        self.setting = setting


def bind(address: ListenAddress, setting: str) -> socket.socket:
    """A listening socket; an empty host is every interface, IPv6 and IPv4 alike."""
    hosts = [address.host] if address.host else ["::", "0.0.0.0"]
    if not address.host and not socket.has_ipv6:
        hosts = ["0.0.0.0"]
    error: OSError | None = None
    for host in hosts:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        listener = socket.socket(family, socket.SOCK_STREAM)
        try:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6 and not address.host:
                listener.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            listener.bind((host, address.port))
            listener.listen(128)
            return listener
        except OSError as problem:
            listener.close()
            error = problem
    reason = (error.strerror or str(error)) if error else "unknown error"
    raise ListenError(setting, f"cannot listen on {address}: {reason}")


def systemd_sockets(environ: MutableMapping[str, str], setting: str) -> list[socket.socket]:
    """The listening sockets systemd passed to this process."""
    pid, count = environ.pop("LISTEN_PID", ""), environ.pop("LISTEN_FDS", "")
    environ.pop("LISTEN_FDNAMES", None)
    if pid != str(os.getpid()) or not count.isdigit() or int(count) == 0:
        raise ListenError(
            setting,
            "systemd passed no socket (LISTEN_PID/LISTEN_FDS unset or for another process); "
            "start the exporter from a .socket unit or leave out the flag",
        )
    sockets = []
    for fd in range(SD_LISTEN_FDS_START, SD_LISTEN_FDS_START + int(count)):
        os.set_inheritable(fd, False)
        passed = socket.socket(fileno=fd)
        if passed.family not in (socket.AF_INET, socket.AF_INET6) or (
            passed.type != socket.SOCK_STREAM
        ):
            raise ListenError(
                setting,
                f"systemd passed socket {fd}, which is not TCP; use ListenStream=[host:]port",
            )
        sockets.append(passed)
    return sockets
