"""Tiny, randomly initialized models that the tests build and save on disk.

Why: no model hub is reachable in CI, yet the BGE-M3 and sentence-transformers
encoders must be exercised through their *real* loading code. So we train a small
tokenizer on a few hundred multilingual sentences, build a 2-layer XLM-RoBERTa with
hidden size 32, and save both in exactly the layout the libraries expect
(``config.json`` + weights + tokenizer files, plus BGE-M3's ``colbert_linear.pt`` and
``sparse_linear.pt``; for sentence-transformers its ``modules.json`` layout).
Random weights give meaningless but deterministic vectors -- enough for the contract.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from babelsearch.config import EncoderConfig

SENTENCES = [
    "The cat sleeps on the warm windowsill.",
    "Die Katze schläft auf der warmen Fensterbank.",
    "El gato duerme en el alféizar cálido.",
    "Le chat dort sur le rebord chaud de la fenêtre.",
    "Кошка спит на тёплом подоконнике.",
    "القطة تنام على حافة النافذة الدافئة.",
    "猫在温暖的窗台上睡觉。",
    "Who invented the telephone?",
    "Wer hat das Telefon erfunden?",
    "¿Quién inventó el teléfono?",
    "Qui a inventé le téléphone ?",
    "Кто изобрёл телефон?",
    "من اخترع الهاتف؟",
    "谁发明了电话？",
    "The river floods the valley every spring.",
    "Der Fluss überflutet jedes Frühjahr das Tal.",
    "El río inunda el valle cada primavera.",
    "Река каждую весну затопляет долину.",
    "Prices rose sharply after the harvest failed.",
    "Nach der Missernte stiegen die Preise stark.",
    "Los precios subieron mucho tras la mala cosecha.",
    "Цены резко выросли после неурожая.",
    "The library opens at nine in the morning.",
    "Die Bibliothek öffnet um neun Uhr morgens.",
    "La biblioteca abre a las nueve de la mañana.",
    "图书馆早上九点开门。",
]
_WORDS = sorted({w.strip(".,?¿!;:。？") for s in SENTENCES for w in s.split()})


def training_corpus(n: int = 400) -> list[str]:
    """A few hundred sentences: the seed sentences plus deterministic word shuffles."""
    out = list(SENTENCES)
    for i, combo in enumerate(itertools.combinations(_WORDS, 5)):
        if len(out) >= n:
            break
        if i % 7 == 0:
            out.append(" ".join(combo))
    return out


def build_tokenizer(path: Path, vocab_size: int = 600) -> None:
    """Train a Unigram (SentencePiece-style) tokenizer and save it as XLMRobertaTokenizerFast."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from tokenizers.trainers import UnigramTrainer
    from transformers import XLMRobertaTokenizerFast

    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    tok = Tokenizer(models.Unigram())
    tok.normalizer = normalizers.NFKC()
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    tok.decoder = decoders.Metaspace()
    trainer = UnigramTrainer(vocab_size=vocab_size, special_tokens=specials, unk_token="<unk>")
    tok.train_from_iterator(training_corpus(), trainer=trainer)
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", tok.token_to_id("<s>")), ("</s>", tok.token_to_id("</s>"))],
    )
    fast = XLMRobertaTokenizerFast(
        tokenizer_object=tok,
        bos_token="<s>",
        eos_token="</s>",
        sep_token="</s>",
        cls_token="<s>",
        unk_token="<unk>",
        pad_token="<pad>",
        mask_token="<mask>",
        model_max_length=128,
    )
    fast.save_pretrained(str(path))


def _tiny_xlmr(vocab_size: int, seed: int) -> object:
    import torch
    from transformers import XLMRobertaConfig, XLMRobertaModel

    torch.manual_seed(seed)
    config = XLMRobertaConfig(
        vocab_size=vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=130,
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
        type_vocab_size=1,
    )
    model = XLMRobertaModel(config)
    model.eval()
    return model


def build_bge_m3(path: Path, seed: int = 0) -> Path:
    """A BGE-M3-shaped model dir: XLM-R weights, tokenizer, colbert_linear.pt, sparse_linear.pt."""
    import torch
    from transformers import AutoTokenizer

    path.mkdir(parents=True, exist_ok=True)
    build_tokenizer(path)
    tokenizer = AutoTokenizer.from_pretrained(str(path))
    model = _tiny_xlmr(len(tokenizer), seed)
    model.save_pretrained(str(path))  # type: ignore[attr-defined]
    hidden = 32
    torch.manual_seed(seed + 1)
    colbert = torch.nn.Linear(hidden, hidden)
    sparse = torch.nn.Linear(hidden, 1)
    with torch.no_grad():
        # A positive bias so that a healthy share of tokens gets a sparse weight > 0.
        sparse.bias.fill_(0.05)
    torch.save(colbert.state_dict(), path / "colbert_linear.pt")
    torch.save(sparse.state_dict(), path / "sparse_linear.pt")
    return path


def build_sentence_transformer(path: Path, seed: int = 0) -> Path:
    """A tiny XLM-R + mean pooling + Normalize, saved with ``SentenceTransformer.save``."""
    from sentence_transformers import SentenceTransformer, models
    from transformers import AutoTokenizer

    hf_dir = path.parent / (path.name + "-hf")
    hf_dir.mkdir(parents=True, exist_ok=True)
    build_tokenizer(hf_dir)
    tokenizer = AutoTokenizer.from_pretrained(str(hf_dir))
    _tiny_xlmr(len(tokenizer), seed).save_pretrained(str(hf_dir))  # type: ignore[attr-defined]
    word = models.Transformer(str(hf_dir), max_seq_length=128)
    pooling = models.Pooling(word.get_embedding_dimension(), pooling_mode="mean")
    st = SentenceTransformer(modules=[word, pooling, models.Normalize()], device="cpu")
    st.save(str(path))
    return path


def encoder_config(kind: str, request: pytest.FixtureRequest) -> EncoderConfig:
    """The contract suite's config for ``kind``, building a tiny model only for its own kind.

    Lazy on purpose: ``use`` must run without torch (the unit tier), so asking for its
    config may not build the bge-m3 and sentence-transformers models (the ``extras`` tier).
    Small batch sizes so that several batches (and their re-ordering) are exercised.
    """
    if kind == "use":
        return EncoderConfig(kind="use", batch_size=3)
    if kind == "bge-m3":
        path = request.getfixturevalue("tiny_bge_dir")
        return EncoderConfig(kind=kind, model=str(path), batch_size=3, max_length=64, device="cpu")
    if kind == "sentence-transformers":
        return EncoderConfig(
            kind=kind,
            model=str(request.getfixturevalue("tiny_st_dir")),
            batch_size=3,
            max_length=64,
            query_prompt="query: ",
            document_prompt="passage: ",
        )
    raise ValueError(f"no contract config for encoder kind {kind!r}")
