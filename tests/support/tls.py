"""Certificates for the TLS tests (made with trustme) and an exporter served over HTTPS.

:func:`make_pki` writes, into one directory, a CA and the server certificate it signed
(for ``127.0.0.1`` and ``localhost``), a second CA for client certificates and a client
certificate it signed, and a client certificate from a third CA the server does not trust.
"""

import os
import ssl
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import trustme
import yaml

from tests.support.exporter import (
    _INHERITED,
    ExporterProcess,
    exporter_command,
    free_port,
    wait_until,
)


@dataclass(frozen=True)
class Pki:
    server_ca: Path
    server_cert: Path
    server_key: Path
    client_ca: Path
    client_cert: Path
    client_key: Path
    stranger_cert: Path  # signed by a CA the server does not trust
    stranger_key: Path

    def client_context(
        self,
        *,
        with_cert: bool = True,
        stranger: bool = False,
        maximum_version: ssl.TLSVersion | None = None,
    ) -> ssl.SSLContext:
        """A client context trusting the server's CA, optionally presenting a certificate."""
        context = ssl.create_default_context(cafile=str(self.server_ca))
        if maximum_version is not None:
            context.maximum_version = maximum_version
        if stranger:
            context.load_cert_chain(str(self.stranger_cert), str(self.stranger_key))
        elif with_cert:
            context.load_cert_chain(str(self.client_cert), str(self.client_key))
        return context


def _leaf(ca: Any, directory: Path, name: str, *identities: str) -> tuple[Path, Path]:
    leaf = ca.issue_cert(*identities)
    cert, key = directory / f"{name}.crt", directory / f"{name}.key"
    cert.write_bytes(b"".join(blob.bytes() for blob in leaf.cert_chain_pems))
    leaf.private_key_pem.write_to_path(str(key))
    return cert, key


def make_pki(directory: Path) -> Pki:
    directory.mkdir(parents=True, exist_ok=True)
    server_ca, client_ca, stranger_ca = trustme.CA(), trustme.CA(), trustme.CA()
    server_ca.cert_pem.write_to_path(str(directory / "server-ca.crt"))
    client_ca.cert_pem.write_to_path(str(directory / "client-ca.crt"))
    server_cert, server_key = _leaf(server_ca, directory, "server", "127.0.0.1", "localhost")
    client_cert, client_key = _leaf(client_ca, directory, "client", "prometheus.example")
    stranger_cert, stranger_key = _leaf(stranger_ca, directory, "stranger", "intruder.example")
    return Pki(
        server_ca=directory / "server-ca.crt",
        server_cert=server_cert,
        server_key=server_key,
        client_ca=directory / "client-ca.crt",
        client_cert=client_cert,
        client_key=client_key,
        stranger_cert=stranger_cert,
        stranger_key=stranger_key,
    )


def write_web_config(path: Path, document: Mapping[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(dict(document)), encoding="utf-8")
    return path


def start_https_exporter(
    args: Sequence[str],
    env: Mapping[str, str],
    log_path: Path,
    context: ssl.SSLContext,
    *,
    timeout: float = 30.0,
) -> ExporterProcess:
    """Like :func:`tests.support.exporter.start_exporter`, waiting for readiness over HTTPS.

    ``context`` is what the readiness probe connects with (it must satisfy the server's
    client-certificate policy). The returned ``url`` is ``https://127.0.0.1:PORT``; pass
    ``verify=`` to its ``get``.
    """
    port = free_port()
    environment = {name: os.environ[name] for name in _INHERITED if name in os.environ}
    environment.update(env)
    environment.setdefault("OPENROUTER_EXPORTER_LISTEN_ADDRESS", f"127.0.0.1:{port}")
    environment.setdefault("OPENROUTER_EXPORTER_LOG_FORMAT", "json")
    with log_path.open("ab") as log_file:
        process = subprocess.Popen(
            exporter_command(*args), env=environment, stdout=log_file, stderr=subprocess.STDOUT
        )
    exporter = ExporterProcess(process, f"https://127.0.0.1:{port}", log_path)

    def ready() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"exporter exited with {process.returncode}:\n{exporter.logs()}")
        try:
            return exporter.get("/readyz", verify=context).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_until(ready, timeout, "the exporter is ready over HTTPS")
    except BaseException:
        exporter.kill()
        raise
    return exporter
