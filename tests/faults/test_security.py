"""Security against a dedicated node with TLS and basic auth (``LocalNode(security=True)``).

The node's certificates come from a private CA the node start generates; the tests
make more with ``openssl`` (an unrelated CA, client certificates). Properties:
verification is on by default (unknown CA, wrong CA, wrong host name: refused with a
``ClusterUnavailable`` that says TLS); a CA bundle, client certificates and basic auth
work; a read-only role gets one clear, non-retried ``ClusterAuthError`` from ingest;
a planted password never shows up in any output, log, report or dead letter.
That user text never becomes query structure is proven at the builder level by
``tests/query/test_safety.py::test_user_input_never_becomes_structure`` (hypothesis,
3,000 cases) and against this node by ``test_hostile_text_over_tls_is_plain_text``.
"""

from __future__ import annotations

import base64
import json
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from babelsearch.cluster import cluster_errors, connect
from babelsearch.config import ClusterConfig
from babelsearch.errors import ClusterAuthError, ClusterUnavailable, QueryError
from babelsearch.indices import apply
from babelsearch.ingest import Ingestor
from babelsearch.query import Searcher

from .conftest import (
    child_env,
    cli_cmd,
    config_data,
    free_ports,
    make_config,
    make_docs,
    write_config,
    write_jsonl,
)
from .tlsutil import client_cert, make_ca, node_ca, other_loopback_name

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PLANT = "Plant3d-Pw!" + uuid.uuid4().hex[:10] + "#Zq"
READER_PW = "Read0nly-" + uuid.uuid4().hex[:12] + "!"


@dataclass
class Secure:
    url: str
    port: int
    ca: str
    certs: Path
    admin: tuple[str, str]
    work: Path

    def cluster(self, user: str = "planter", pw: str = PLANT, **kw: Any) -> ClusterConfig:
        kw.setdefault("ca_certs", self.ca)
        return ClusterConfig(url=self.url, username=user, password=pw, **kw)

    def client(self, **kw: Any) -> Any:
        return connect(self.cluster(*self.admin, **kw))


@pytest.fixture(scope="module")
def secure(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Secure]:
    from babelsearch.node import LocalNode

    data = tmp_path_factory.mktemp("secure-node")
    port = free_ports(1)
    node = LocalNode(port=port, heap="512m", data_dir=data, security=True)
    node.start(timeout=400)
    try:
        creds, ca = node.credentials(), node.ca_certs
        assert creds and ca and node.url.startswith("https://")
        s = Secure(node.url, port, ca, data / "certs", creds, tmp_path_factory.mktemp("sec"))
        admin = s.client()
        api = "/_plugins/_security/api"
        # reader: may read every index and monitor the cluster, may not write anything
        admin.transport.perform_request(
            "PUT",
            f"{api}/roles/bs_reader",
            body={
                "cluster_permissions": ["cluster_monitor", "cluster_composite_ops_ro"],
                "index_permissions": [
                    {
                        "index_patterns": ["*"],
                        "allowed_actions": [
                            "read",
                            "indices_monitor",
                            "indices:admin/aliases/get",
                            "indices:admin/mappings/get",
                            "indices:admin/get",
                        ],
                    }
                ],
            },
        )
        admin.transport.perform_request(
            "PUT", f"{api}/rolesmapping/bs_reader", body={"users": ["reader"]}
        )
        for user, pw, roles in (("planter", PLANT, ["admin"]), ("reader", READER_PW, [])):
            admin.transport.perform_request(
                "PUT", f"{api}/internalusers/{user}", body={"password": pw, "backend_roles": roles}
            )
        yield s
    finally:
        node.stop()


def _info(cfg: ClusterConfig) -> dict[str, Any]:
    with cluster_errors(cfg.url):
        return dict(connect(cfg).info())


# -- TLS verification -------------------------------------------------------------------
def test_verification_is_on_by_default(secure: Secure) -> None:
    assert ClusterConfig().verify_certs is True
    with pytest.raises(ClusterUnavailable) as err:  # the node's CA is not in the system store
        _info(ClusterConfig(url=secure.url, username="planter", password=PLANT))
    assert "TLS" in str(err.value) and PLANT not in str(err.value)


def test_wrong_ca_is_refused(secure: Secure) -> None:
    other, _key = make_ca(secure.work / "other-ca", "other-ca")
    with pytest.raises(ClusterUnavailable) as err:
        _info(secure.cluster(ca_certs=str(other)))
    assert "TLS" in str(err.value)


def test_wrong_host_name_is_refused(secure: Secure) -> None:
    url = f"https://{other_loopback_name()}:{secure.port}"
    with pytest.raises(ClusterUnavailable) as err:
        _info(ClusterConfig(url=url, username="planter", password=PLANT, ca_certs=secure.ca))
    assert "TLS" in str(err.value)


def test_tls_refusal_through_the_cli_is_one_clear_line(secure: Secure, tmp_path: Path) -> None:
    data = config_data(secure.url, "t-sec-none")
    data["cluster"].update({"username": "planter", "password": "${BS_FAULT_PW}"})
    cfg = write_config(tmp_path / "cfg.yaml", data)
    out = subprocess.run(
        cli_cmd("mappings", "status", "--config", str(cfg)),
        capture_output=True,
        text=True,
        timeout=120,
        env=child_env(BS_FAULT_PW=PLANT),
    )
    assert out.returncode == 1, out.stdout + out.stderr
    assert out.stderr.startswith("Error:") and "TLS" in out.stderr, out.stderr
    assert "Traceback" not in out.stderr and PLANT not in out.stdout + out.stderr


def test_ca_bundle_and_basic_auth_work(secure: Secure) -> None:
    info = _info(secure.cluster())
    assert info["version"]["distribution"] == "opensearch"


def test_wrong_password_is_a_clear_auth_error(secure: Secure) -> None:
    with pytest.raises(ClusterAuthError) as err:
        _info(secure.cluster(pw=PLANT + "-wrong"))
    assert PLANT not in str(err.value)


def test_client_certificates_are_presented(secure: Secure) -> None:
    work = secure.work / "client"
    work.mkdir(exist_ok=True)
    good = client_cert(work, "good-client", node_ca(secure.certs, work))
    info = _info(secure.cluster(client_cert=str(good[0]), client_key=str(good[1])))
    assert info["version"]["distribution"] == "opensearch"
    stranger = client_cert(work, "stranger", make_ca(work / "rogue", "rogue-ca"))
    with pytest.raises(ClusterUnavailable) as err:  # the node refuses an untrusted client cert
        _info(secure.cluster(client_cert=str(stranger[0]), client_key=str(stranger[1])))
    assert "TLS" in str(err.value)


# -- authorisation ----------------------------------------------------------------------
def _secure_config(secure: Secure, alias: str, user: str, tmp: Path, **ingest: Any) -> Path:
    data = config_data(secure.url, alias, **ingest)
    data["cluster"].update({"username": user, "password": "${BS_FAULT_PW}", "ca_certs": secure.ca})
    return write_config(tmp / f"cfg-{user}.yaml", data)


def test_read_only_role_gets_a_clear_non_retried_auth_error(secure: Secure, tmp_path: Path) -> None:
    alias = f"t-ro-{uuid.uuid4().hex[:6]}"
    admin_cfg = config_data(secure.url, alias)
    admin_cfg["cluster"].update(
        {"username": secure.admin[0], "password": secure.admin[1], "ca_certs": secure.ca}
    )
    apply(make_config(admin_cfg), client=secure.client())
    cfg = _secure_config(
        secure, alias, "reader", tmp_path, bulk={"max_retries": 8, "initial_backoff": 1.0}
    )
    src = write_jsonl(tmp_path / "in.jsonl", make_docs(50))
    out = subprocess.run(
        cli_cmd("-v", "ingest", str(src), "--config", str(cfg), "--no-progress"),
        capture_output=True,
        text=True,
        timeout=120,
        env=child_env(BS_FAULT_PW=READER_PW),
    )
    assert out.returncode == 1, out.stdout + out.stderr[-2000:]
    last = out.stderr.strip().splitlines()[-1]
    assert last.startswith("Error:") and "refused" in last and "permissions" in last, last
    assert "retrying" not in out.stderr  # a 403 is never retried
    assert READER_PW not in out.stdout + out.stderr
    assert secure.client().count(index=alias)["count"] == 0
    data = config_data(secure.url, alias, bulk={"max_retries": 8, "initial_backoff": 1.0})
    data["cluster"].update({"username": "reader", "password": READER_PW, "ca_certs": secure.ca})
    with pytest.raises(ClusterAuthError) as err:
        again = write_jsonl(tmp_path / "again.jsonl", make_docs(5))
        Ingestor(make_config(data), dead_letter=str(tmp_path / "dl.jsonl")).run(again)
    assert "permissions" in str(err.value) and READER_PW not in str(err.value)


# -- credentials never leak -------------------------------------------------------------
def _leaks(text: str) -> list[str]:
    basic = base64.b64encode(f"planter:{PLANT}".encode()).decode()
    return [s for s in (PLANT, basic, PLANT.replace("!", "%21")) if s in text]


def test_planted_password_never_appears_anywhere(secure: Secure, tmp_path: Path) -> None:
    alias = f"t-leak-{uuid.uuid4().hex[:6]}"
    cfg = _secure_config(secure, alias, "planter", tmp_path)
    docs = make_docs(40)
    src = tmp_path / "in.jsonl"
    lines = [json.dumps(d) for d in docs] + ['{"id": "bad", "body": 1}', "not json"]
    src.write_text("\n".join(lines) + "\n")
    rep, dl = tmp_path / "report.json", tmp_path / "dead.jsonl"
    env = child_env(BS_FAULT_PW=PLANT)
    url_with_secret = f"https://planter:{PLANT}@127.0.0.1:{secure.port}"
    runs = [
        ["-v", "ingest", str(src), "--config", str(cfg), "--create", "--no-progress",
         "--report-json", str(rep), "--dead-letter", str(dl)],
        ["-v", "search", "river", "--config", str(cfg), "--json"],
        ["-v", "doctor", "--config", str(cfg)],
        ["-v", "mappings", "status", "--config", str(cfg)],
        # failures: wrong CA, unreachable port, credentials inside the URL
        ["-v", "doctor", "--config", str(cfg), "--url", url_with_secret.replace(
            str(secure.port), str(free_ports(1)))],
        ["-v", "search", "river", "--url", url_with_secret],
        ["-v", "ingest", str(src), "--url", url_with_secret, "--no-progress"],
    ]  # fmt: skip
    seen: list[str] = []
    codes = []
    for args in runs:
        out = subprocess.run(cli_cmd(*args), capture_output=True, text=True, timeout=180, env=env)
        codes.append(out.returncode)
        seen += [out.stdout, out.stderr]
        assert not _leaks(out.stdout + out.stderr), (args, _leaks(out.stdout + out.stderr))
    assert codes[0] == 2 and codes[1] == 0, (codes, seen[1][-2000:], seen[3][-2000:])
    assert all(c == 1 for c in codes[4:]), codes
    assert any("DEBUG" in s or "debug" in s.lower() for s in seen), "no debug output captured"
    for f in (rep, dl, Path(f"{src}.babelsearch-checkpoint.json")):
        assert f.exists() and not _leaks(f.read_text(errors="replace")), f
    report = json.loads(rep.read_text())
    assert report["indexed"] == 40 and report["dead_lettered"] == 2


# -- user text over TLS -----------------------------------------------------------------
@pytest.fixture(scope="module")
def tls_searcher(secure: Secure) -> Iterator[Searcher]:
    alias = f"t-hyp-{uuid.uuid4().hex[:6]}"
    data = config_data(secure.url, alias)
    data["cluster"].update({"username": "planter", "password": PLANT, "ca_certs": secure.ca})
    cfg = make_config(data)
    src = write_jsonl(secure.work / f"{alias}.jsonl", make_docs(30))
    Ingestor(cfg, create=True, dead_letter=str(secure.work / "dl.jsonl")).run(src)
    yield Searcher(cfg)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=st.text(min_size=1, max_size=200))
def test_hostile_text_over_tls_is_plain_text(tls_searcher: Searcher, text: str) -> None:
    """Any text: a result or a QueryError (blank text), never a cluster-side parse error."""
    try:
        res = tls_searcher.search(text, mode="bm25", k=3)
    except QueryError as exc:  # our own validation (e.g. blank text), with a message
        assert str(exc)
        return
    assert len(res.hits) <= 3
