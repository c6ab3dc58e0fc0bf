"""``dense`` options: checked at load, rendered into the mapping, refused where the
cluster cannot run them. Pure: no node."""

from __future__ import annotations

from typing import Any

import pytest

from babelsearch.cluster import knn_engines, parse_capabilities
from babelsearch.config import parse_config
from babelsearch.errors import ConfigError
from babelsearch.schema import build_index_body
from babelsearch.schema.fields import check_engine, knn_vector_field, vector_layout
from babelsearch.types import Capabilities, EncoderInfo

INFO = EncoderInfo("use", "m", 512, "cosine", True, None, False)
LIVE = Capabilities(
    version="2.19.1", plugins=frozenset({"opensearch-knn"}), knn_engines=frozenset({"lucene"})
)


def field(**dense: Any) -> dict[str, Any]:
    return knn_vector_field(INFO, parse_config({"dense": dense}).dense)


def test_lucene_sq_always_states_bits_so_the_live_mapping_reads_back_the_same() -> None:
    enc = field(quantization="sq")["method"]["parameters"]["encoder"]
    assert enc == {"name": "sq", "parameters": {"bits": 7}}
    enc = field(quantization="sq", confidence_interval=0.95)["method"]["parameters"]["encoder"]
    assert enc == {"name": "sq", "parameters": {"bits": 7, "confidence_interval": 0.95}}


def test_faiss_fp16_is_rendered_as_before() -> None:
    enc = field(engine="faiss", quantization="fp16")["method"]["parameters"]["encoder"]
    assert enc == {"name": "sq", "parameters": {"type": "fp16"}}


def test_byte_and_binary_set_data_type_and_binary_uses_hamming() -> None:
    byte = field(data_type="byte")
    assert byte["data_type"] == "byte" and byte["method"]["space_type"] == "cosinesimil"
    binary = field(data_type="binary", dimensions=256)
    assert binary["data_type"] == "binary" and binary["dimension"] == 256
    assert binary["method"]["space_type"] == "hamming"
    assert "data_type" not in field()


def test_the_mapping_dimension_follows_dense_dimensions() -> None:
    assert field(dimensions=128)["dimension"] == 128
    assert field()["dimension"] == 512
    body = build_index_body(parse_config({"dense": {"dimensions": 64}}), INFO)
    assert body["mappings"]["properties"]["embedding"]["dimension"] == 64


@pytest.mark.parametrize(
    ("dense", "message"),
    [
        ({"quantization": "fp16"}, r"dense\.quantization: 'fp16' .* needs engine 'faiss'"),
        ({"engine": "faiss", "quantization": "sq"}, r"'sq' .* needs engine 'lucene'"),
        ({"quantization": "int4"}, r"dense\.quantization: 'int4' is not one of"),
        ({"data_type": "int8"}, r"dense\.data_type: 'int8' is not one of 'float', 'byte'"),
        ({"engine": "nmslib", "data_type": "byte"}, r"dense\.data_type: 'byte' .* 'nmslib'"),
        ({"engine": "nmslib", "data_type": "binary"}, r"needs engine 'lucene' or 'faiss'"),
        ({"data_type": "byte", "quantization": "sq"}, r"already quantized by babelsearch"),
        ({"confidence_interval": 0.95}, r"dense\.confidence_interval: only for quantization"),
        ({"quantization": "sq", "confidence_interval": 0.5}, r"0 \(per segment\) or between"),
        ({"dimensions": 0}, r"dense\.dimensions: must be at least 1"),
        ({"data_type": "binary", "dimensions": 12}, r"dense\.dimensions: .* multiple of 8"),
        ({"dimensions": "half"}, r"dense\.dimensions"),
    ],
)
def test_dense_options_are_checked_at_load(dense: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config({"dense": dense})


def test_accepted_combinations_load() -> None:
    for dense in (
        {"quantization": "sq", "confidence_interval": 0},
        {"data_type": "byte", "dimensions": 256},
        {"data_type": "binary"},
        {"engine": "faiss", "data_type": "binary", "dimensions": 256},
        {"engine": "faiss", "data_type": "byte"},
        {"engine": "faiss", "quantization": "fp16", "dimensions": 384},
    ):
        parse_config({"dense": dense})


def test_a_live_cluster_without_native_libraries_refuses_faiss_before_an_index_exists() -> None:
    cfg = parse_config({"dense": {"engine": "faiss", "quantization": "fp16"}})
    with pytest.raises(ConfigError, match=r"dense\.engine: 'faiss' is not available .* lucene"):
        build_index_body(cfg, INFO, LIVE)
    with pytest.raises(ConfigError, match="skip_engine_check"):
        check_engine(cfg.dense, LIVE)
    # rendering without a cluster (or with made-up capabilities) stays possible
    assert build_index_body(cfg, INFO)["mappings"]["properties"]["embedding"]
    made_up = Capabilities(version="0", analysis_plugins=frozenset({"analysis-icu"}))
    assert build_index_body(cfg, INFO, made_up)["mappings"]["properties"]["embedding"]
    # lucene always passes; faiss passes when detected or explicitly trusted
    check_engine(parse_config({}).dense, LIVE)
    faiss_live = Capabilities(
        version="2.19.1", plugins=LIVE.plugins, knn_engines=frozenset({"lucene", "faiss"})
    )
    check_engine(cfg.dense, faiss_live)
    trusted = parse_config({"dense": {"engine": "faiss", "skip_engine_check": True}})
    check_engine(trusted.dense, LIVE)


def _stats(*nodes: dict[str, Any]) -> dict[str, Any]:
    return {"nodes": {f"n{i}": n for i, n in enumerate(nodes)}}


def test_native_engines_are_detected_from_the_knn_stats_of_every_node() -> None:
    on = {"faiss_initialized": True, "nmslib_initialized": False, "lucene_initialized": True}
    off = {"faiss_initialized": False, "nmslib_initialized": False}
    assert knn_engines(True, None) == {"lucene"}
    assert knn_engines(True, _stats(off)) == {"lucene"}
    assert knn_engines(True, _stats(on)) == {"lucene", "faiss"}
    assert knn_engines(True, _stats(on, off)) == {"lucene"}  # a shard may land on either
    assert knn_engines(False, _stats(on)) == frozenset()
    info = {"version": {"number": "2.19.1", "distribution": "opensearch"}}
    plugins = [{"component": "opensearch-knn"}]
    caps = parse_capabilities(info, plugins, {"nodes": {}}, _stats(on))
    assert caps.knn_engines == {"lucene", "faiss"}
    assert parse_capabilities(info, plugins, {"nodes": {}}).knn_engines == {"lucene"}


def test_vector_layout_reads_rendered_and_live_mappings_alike() -> None:
    assert vector_layout(field(data_type="byte")) == (512, "byte")
    assert vector_layout({"type": "knn_vector", "dimension": 512, "data_type": "BYTE"}) == (
        512,
        "byte",
    )
    assert vector_layout(field(dimensions=128)) == (128, "float")
    assert vector_layout(None) == (None, "float")
