"""Certificates for the security suite, made with the ``openssl`` command line.

A second, unrelated CA (to prove a wrong CA is refused) and client certificates,
either signed by the node's own CA (exported from the node's ``ca.p12`` with the
store password the node wrote) or by the unrelated one.
"""

from __future__ import annotations

import json
import socket
import subprocess
from pathlib import Path


def _ssl(*args: str) -> None:
    out = subprocess.run(["openssl", *args], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr


def make_ca(folder: Path, name: str) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    key, crt = folder / f"{name}.key", folder / f"{name}.pem"
    _ssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-subj", f"/CN={name}/O=babelsearch-tests", "-keyout", str(key), "-out", str(crt),
    )  # fmt: skip
    return crt, key


def node_ca(certs: Path, out: Path) -> tuple[Path, Path]:
    """The node's CA certificate and key, exported from its PKCS#12 store."""
    password = json.loads((certs / "material.json").read_text())["store_password"]
    out.mkdir(parents=True, exist_ok=True)
    key, crt = out / "node-ca.key", out / "node-ca.pem"
    _ssl("pkcs12", "-in", str(certs / "ca.p12"), "-nocerts", "-nodes", "-passin",
         f"pass:{password}", "-out", str(key))  # fmt: skip
    _ssl("pkcs12", "-in", str(certs / "ca.p12"), "-nokeys", "-passin",
         f"pass:{password}", "-out", str(crt))  # fmt: skip
    return crt, key


def client_cert(folder: Path, name: str, ca: tuple[Path, Path]) -> tuple[Path, Path]:
    """A client certificate ``CN=<name>`` signed by ``ca`` (cert, key)."""
    key, csr, crt = folder / f"{name}.key", folder / f"{name}.csr", folder / f"{name}.pem"
    _ssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}/O=babelsearch-tests",
         "-keyout", str(key), "-out", str(csr))  # fmt: skip
    ext = folder / f"{name}.ext"
    ext.write_text("extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n")
    _ssl("x509", "-req", "-in", str(csr), "-CA", str(ca[0]), "-CAkey", str(ca[1]),
         "-CAcreateserial", "-days", "2", "-extfile", str(ext), "-out", str(crt))  # fmt: skip
    return crt, key


def other_loopback_name() -> str:
    """A host name that reaches 127.0.0.1 but is not in the node certificate's names."""
    candidates = [socket.gethostname()]
    try:
        for line in Path("/etc/hosts").read_text().splitlines():
            parts = line.split("#", 1)[0].split()
            if parts and parts[0] == "127.0.0.1":
                candidates += parts[1:]
    except OSError:
        pass
    for name in candidates:
        if name in ("localhost", "localhost.localdomain") or not name:
            continue
        try:
            if socket.gethostbyname(name) == "127.0.0.1":
                return name
        except OSError:
            continue
    raise AssertionError("no alias of 127.0.0.1 besides localhost (add one to /etc/hosts)")


def async_detect_error(url: str, timeout: float) -> BaseException:
    """What the async driver's first call (capability detection) raises at ``url``.

    One probe for the TLS tests of both tiers: the async client must translate a TLS
    failure into the same :mod:`babelsearch.errors` as the sync one."""
    import asyncio

    from babelsearch.cluster import capabilities_async, connect_async
    from babelsearch.config import ClusterConfig

    async def detect() -> BaseException:
        ac = connect_async(ClusterConfig(url=url, timeout=timeout), retries=False)
        try:
            await capabilities_async(ac)
        except Exception as exc:  # the caller asserts on the kind and the text
            return exc
        finally:
            await ac.close()
        raise AssertionError(f"capability detection at {url} did not fail")

    return asyncio.run(detect())
