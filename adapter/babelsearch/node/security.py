"""``--security``: TLS and basic auth for a local node, with certificates made here.

Everything is generated with tools that come with Java (``keytool``) and with the
security plugin itself (its bcrypt ``Hasher``), so no Python crypto package is
needed: a private CA (``root-ca.pem`` for clients), one PKCS#12 keystore per
node whose certificate names ``127.0.0.1``/``localhost``, a truststore, and an
``admin`` user with a random password (``admin.json``, mode 0600). The security
index is seeded from ``config/opensearch-security/`` on first start, so no
``securityadmin`` run is needed. Certificates and password are kept in the data
dir and reused by later starts.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import NodeError
from .spec import SECURITY_PLUGIN

__all__ = ["NODE_DN", "TlsMaterial", "prepare_security"]

NODE_DN = "CN=node-{i},OU=node,O=babelsearch"
_NODES_DN_PATTERN = "CN=node-*,OU=node,O=babelsearch"
_CA_DN = "CN=babelsearch local CA,O=babelsearch"
_ADMIN_USER = "admin"


def _import_ca(keytool: str, certs: Path, store: str, common: list[str]) -> None:
    """Trust the generated root CA in ``store`` (a PKCS#12 keystore)."""
    _run(
        [
            keytool,
            "-importcert",
            "-noprompt",
            "-trustcacerts",
            "-alias",
            "ca",
            "-file",
            str(certs / "root-ca.pem"),
            "-keystore",
            store,
            *common,
        ]
    )


def _run(argv: list[str], *, env: dict[str, str] | None = None) -> str:
    try:
        out = subprocess.run(
            argv, capture_output=True, text=True, timeout=120, check=False, env=env
        )
    except OSError as exc:
        raise NodeError(f"cannot run {argv[0]}: {exc}") from exc
    if out.returncode != 0:
        raise NodeError(f"{Path(argv[0]).name} failed: {(out.stderr or out.stdout).strip()[:300]}")
    return out.stdout


@dataclass(frozen=True)
class TlsMaterial:
    """Paths and secrets for one secured node or cluster."""

    certs: Path
    store_password: str
    plugin_config: Path

    def settings_for(self, index: int, conf: Path) -> dict[str, Any]:
        """Security plugin settings of node ``index`` (paths relative to its config dir)."""
        keystore, truststore = f"certs/node-{index}.p12", "certs/truststore.p12"
        settings: dict[str, Any] = {"plugins.security.disabled": False}
        for layer in ("transport", "http"):
            prefix = f"plugins.security.ssl.{layer}"
            settings.update(
                {
                    f"{prefix}.keystore_type": "PKCS12",
                    f"{prefix}.keystore_filepath": keystore,
                    f"{prefix}.keystore_password": self.store_password,
                    f"{prefix}.truststore_type": "PKCS12",
                    f"{prefix}.truststore_filepath": truststore,
                    f"{prefix}.truststore_password": self.store_password,
                }
            )
        settings.update(
            {
                "plugins.security.ssl.http.enabled": True,
                "plugins.security.ssl.transport.enforce_hostname_verification": False,
                "plugins.security.nodes_dn": [_NODES_DN_PATTERN],
                "plugins.security.allow_default_init_securityindex": True,
                "plugins.security.restapi.roles_enabled": ["all_access"],
                "plugins.security.system_indices.enabled": True,
                "plugins.security.audit.type": "noop",
            }
        )
        return settings

    def install(self, index: int, conf: Path) -> None:
        """Copy the node's keystore, the truststore and the security config into ``conf``."""
        (conf / "certs").mkdir(parents=True, exist_ok=True)
        for name in (f"node-{index}.p12", "truststore.p12"):
            shutil.copy2(self.certs / name, conf / "certs" / name)
        sec = conf / "opensearch-security"
        sec.mkdir(parents=True, exist_ok=True)
        for yml in self.plugin_config.glob("*.yml"):
            shutil.copy2(yml, sec / yml.name)
        shutil.copy2(self.certs / "internal_users.yml", sec / "internal_users.yml")


def _keytool(java: str) -> str:
    tool = Path(os.path.realpath(java)).parent / "keytool"
    if not tool.is_file():
        raise NodeError(
            f"keytool not found next to {java}: install a full JDK (openjdk-17-jdk-headless)"
        )
    return str(tool)


def _make_certs(keytool: str, certs: Path, nodes: int, password: str) -> None:
    common = ["-storetype", "PKCS12", "-storepass", password, "-keypass", password]
    ca = str(certs / "ca.p12")
    with_ca = ["-alias", "ca", "-keystore", ca, "-storepass", password]  # the CA signs
    _run(
        [
            keytool,
            "-genkeypair",
            "-alias",
            "ca",
            "-keyalg",
            "RSA",
            "-keysize",
            "2048",
            "-dname",
            _CA_DN,
            "-ext",
            "bc:c",
            "-validity",
            "3650",
            "-keystore",
            ca,
            *common,
        ]
    )
    _run(
        [
            keytool,
            "-exportcert",
            "-rfc",
            *with_ca,
            "-file",
            str(certs / "root-ca.pem"),
        ]
    )
    trust = str(certs / "truststore.p12")
    _import_ca(keytool, certs, trust, common)
    for i in range(nodes):
        store = str(certs / f"node-{i}.p12")
        csr, signed = certs / f"node-{i}.csr", certs / f"node-{i}.pem"
        _run(
            [
                keytool,
                "-genkeypair",
                "-alias",
                "node",
                "-keyalg",
                "RSA",
                "-keysize",
                "2048",
                "-dname",
                NODE_DN.format(i=i),
                "-validity",
                "825",
                "-keystore",
                store,
                *common,
            ]
        )
        _run(
            [
                keytool,
                "-certreq",
                "-alias",
                "node",
                "-keystore",
                store,
                "-storepass",
                password,
                "-file",
                str(csr),
            ]
        )
        _run(
            [
                keytool,
                "-gencert",
                "-rfc",
                *with_ca,
                "-infile",
                str(csr),
                "-outfile",
                str(signed),
                "-validity",
                "825",
                "-ext",
                "san=ip:127.0.0.1,dns:localhost",
                "-ext",
                "ku:c=digitalSignature,keyEncipherment",
                "-ext",
                "eku=serverAuth,clientAuth",
            ]
        )
        _import_ca(keytool, certs, store, common)
        _run(
            [
                keytool,
                "-importcert",
                "-noprompt",
                "-alias",
                "node",
                "-file",
                str(signed),
                "-keystore",
                store,
                *common,
            ]
        )
        csr.unlink()


def _bcrypt(java: str, home: Path, password: str) -> str:
    plugin = home / "plugins" / SECURITY_PLUGIN.folder
    env = {**os.environ, "BABELSEARCH_NODE_PASSWORD": password}
    out = _run(
        [
            java,
            "-cp",
            f"{plugin}/*:{home}/lib/*",
            "org.opensearch.security.tools.Hasher",
            "-env",
            "BABELSEARCH_NODE_PASSWORD",
        ],
        env=env,
    )
    hashed = out.strip().splitlines()[-1].strip()
    if not hashed.startswith("$2"):
        raise NodeError("the security plugin's Hasher gave no bcrypt hash")
    return hashed


def prepare_security(certs: Path, nodes: int, *, home: Path, java: str) -> TlsMaterial:
    """Create (first time) or reuse the CA, node keystores and admin credentials."""
    plugin_config = home / "plugins" / SECURITY_PLUGIN.folder / "config"
    if not plugin_config.is_dir():
        raise NodeError(f"the security plugin is not installed in {home}")
    meta_file = certs / "material.json"
    meta = json.loads(meta_file.read_text()) if meta_file.is_file() else {}
    if meta.get("nodes", 0) < nodes:
        if certs.exists():
            shutil.rmtree(certs)
        certs.mkdir(parents=True)
        os.chmod(certs, 0o700)
        meta = {"nodes": nodes, "store_password": secrets.token_urlsafe(18)}
        _make_certs(_keytool(java), certs, nodes, meta["store_password"])
        password = secrets.token_urlsafe(18)
        admin = certs / "admin.json"
        admin.write_text(json.dumps({"username": _ADMIN_USER, "password": password}))
        os.chmod(admin, 0o600)
        (certs / "internal_users.yml").write_text(
            '_meta:\n  type: "internalusers"\n  config_version: 2\n'
            f'{_ADMIN_USER}:\n  hash: "{_bcrypt(java, home, password)}"\n  reserved: true\n'
            '  backend_roles: ["admin"]\n  description: "babelsearch local admin"\n'
        )
        meta_file.write_text(json.dumps(meta))
        os.chmod(meta_file, 0o600)
    return TlsMaterial(
        certs=certs, store_password=meta["store_password"], plugin_config=plugin_config
    )
