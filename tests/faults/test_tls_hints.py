"""TLS refusals name the https URL that was tried and the setting that fixes them.

The node here is the shared plain-HTTP one, reached through :class:`TlsFront`: a
byte relay that terminates TLS with a certificate made for the test. It is not an
OpenSearch stand-in -- after the handshake every byte goes to the real node, which is
how ``test_following_the_hint_reaches_the_node`` proves the hint is the fix. The
dedicated secure node (``test_security.py``) proves the refusals themselves against
OpenSearch's own TLS; this file is about the words, cheaply.
"""

from __future__ import annotations

import select
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from babelsearch.cli import cli
from babelsearch.cluster import capabilities, connect
from babelsearch.config import ClusterConfig
from babelsearch.errors import ClusterUnavailable

from .tlsutil import async_detect_error, make_ca

pytestmark = pytest.mark.integration

SECRET = "hunter2-tls"


def _openssl(*args: str) -> None:
    out = subprocess.run(["openssl", *args], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr


def server_cert(folder: Path, name: str, san: str, ca: tuple[Path, Path]) -> tuple[Path, Path]:
    """A server certificate for ``san`` (e.g. ``IP:127.0.0.1``) signed by ``ca``."""
    key, csr, crt = folder / f"{name}.key", folder / f"{name}.csr", folder / f"{name}.pem"
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}",
             "-keyout", str(key), "-out", str(csr))  # fmt: skip
    ext = folder / f"{name}.ext"
    ext.write_text(
        f"subjectAltName={san}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
        "keyUsage=digitalSignature,keyEncipherment\n"
    )
    _openssl("x509", "-req", "-in", str(csr), "-CA", str(ca[0]), "-CAkey", str(ca[1]),
             "-CAcreateserial", "-days", "2", "-extfile", str(ext), "-out", str(crt))  # fmt: skip
    return crt, key


class TlsFront:
    """Listens on 127.0.0.1 with TLS and relays the decrypted bytes to ``upstream``."""

    def __init__(self, upstream: tuple[str, int], cert: tuple[Path, Path]) -> None:
        self.upstream = upstream
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(str(cert[0]), str(cert[1]))
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.sock.getsockname()[1])
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        conn.settimeout(30)
        try:
            tls = self.ctx.wrap_socket(conn, server_side=True)
        except (ssl.SSLError, OSError):  # the client refused our certificate
            conn.close()
            return
        with tls, socket.create_connection(self.upstream, timeout=30) as up:
            try:
                while True:
                    ready = [tls] if tls.pending() else select.select([tls, up], [], [], 30)[0]
                    if not ready:
                        return
                    for src in ready:
                        data = src.recv(65536)
                        if not data:
                            return
                        (up if src is tls else tls).sendall(data)
            except OSError:
                return

    def close(self) -> None:
        self.sock.close()


@dataclass
class Fronts:
    ca: Path
    good: TlsFront  # certificate for IP:127.0.0.1
    wrong_name: TlsFront  # certificate for DNS:localhost only


@pytest.fixture(scope="module")
def fronts(opensearch_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fronts]:
    work = tmp_path_factory.mktemp("tls-front")
    ca = make_ca(work, "front-ca")
    host, port = opensearch_url.split("://", 1)[1].rsplit(":", 1)
    upstream = (host, int(port))
    good = TlsFront(upstream, server_cert(work, "ip", "IP:127.0.0.1", ca))
    wrong = TlsFront(upstream, server_cert(work, "localhost", "DNS:localhost", ca))
    try:
        yield Fronts(ca[0], good, wrong)
    finally:
        good.close()
        wrong.close()


def _refusal(cfg: ClusterConfig) -> str:
    with pytest.raises(ClusterUnavailable) as err:
        capabilities(connect(cfg, retries=False))
    msg = str(err.value)
    assert SECRET not in msg and "admin" not in msg, msg
    return msg


def test_untrusted_certificate_names_the_url_and_ca_certs(fronts: Fronts) -> None:
    port = fronts.good.port
    msg = _refusal(ClusterConfig(url=f"https://admin:{SECRET}@127.0.0.1:{port}", timeout=10))
    assert msg.startswith(f"TLS handshake with the cluster at https://127.0.0.1:{port} failed")
    assert "not trusted" in msg and "set cluster.ca_certs" in msg and "verify_certs" in msg


def test_following_the_hint_reaches_the_node(fronts: Fronts) -> None:
    cfg = ClusterConfig(url=f"https://127.0.0.1:{fronts.good.port}", ca_certs=str(fronts.ca))
    assert capabilities(connect(cfg)).version_tuple >= (2, 19)


def test_certificate_for_another_name_says_host_name(fronts: Fronts) -> None:
    port = fronts.wrong_name.port
    msg = _refusal(
        ClusterConfig(
            url=f"https://admin:{SECRET}@127.0.0.1:{port}", ca_certs=str(fronts.ca), timeout=10
        )
    )
    assert f"at https://127.0.0.1:{port} failed" in msg
    assert "host name in the URL" in msg and "verify_certs" in msg, msg


def test_untrusted_certificate_through_the_cli_is_one_line(fronts: Fronts) -> None:
    url = f"https://admin:{SECRET}@127.0.0.1:{fronts.good.port}"
    res = CliRunner().invoke(cli, ["doctor", "--url", url])
    assert res.exit_code == 1, res.output
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: TLS handshake"), res.stderr
    assert f"https://127.0.0.1:{fronts.good.port}" in lines[0] and SECRET not in res.output
    assert "cluster.ca_certs" in lines[0] and "verify_certs" in lines[0]


def test_async_untrusted_certificate_gets_the_same_hint(fronts: Fronts) -> None:
    url = f"https://admin:{SECRET}@127.0.0.1:{fronts.good.port}"
    err = async_detect_error(url, timeout=10)
    assert isinstance(err, ClusterUnavailable), repr(err)
    msg = str(err)
    assert f"at https://127.0.0.1:{fronts.good.port}" in msg and SECRET not in msg, msg
    assert "set cluster.ca_certs" in msg and msg.startswith("TLS handshake"), msg
