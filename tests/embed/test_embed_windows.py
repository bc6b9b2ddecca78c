"""Windows cover every word piece of a chunk and each fits the model's sequence limit."""

from pathlib import Path

import pytest
from docmind.embed.spec import packaged_model_dir
from docmind.embed.windows import SPECIAL_TOKENS, chunk_windows, load_tokenizer, window_key
from tokenizers import Tokenizer

LICENSES = Path("/usr/share/common-licenses")


@pytest.fixture(scope="module")
def tokenizer() -> Tokenizer:
    return load_tokenizer(packaged_model_dir())


def _pieces(tokenizer: Tokenizer, text: str) -> int:
    return len(tokenizer.encode(text, add_special_tokens=False).ids)


@pytest.mark.parametrize("window", [32, 128, 256])
def test_windows_cover_every_piece_and_fit_the_model(tokenizer: Tokenizer, window: int) -> None:
    text = (LICENSES / "GPL-3").read_text()[:9000]
    cut = chunk_windows(text, tokenizer, window)
    assert cut.tokens == _pieces(tokenizer, text) and cut.covered == cut.tokens
    assert len(cut.texts) > 1
    assert all(_pieces(tokenizer, piece) <= window - SPECIAL_TOKENS for piece in cut.texts)
    # the windows are consecutive substrings that overlap: together they hold every character but spaces
    covered = bytearray(len(text))
    position = 0
    for piece in cut.texts:
        position = text.index(piece, position)
        covered[position : position + len(piece)] = b"\1" * len(piece)
    assert all(covered[i] or text[i].isspace() for i in range(len(text)))


def test_blank_and_short_chunks(tokenizer: Tokenizer) -> None:
    assert chunk_windows("  \n\t ", tokenizer, 256).texts == []
    short = chunk_windows("A short note about otters.", tokenizer, 256)
    assert short.texts == ["A short note about otters."] and short.covered == short.tokens


def test_a_word_longer_than_a_window_is_still_covered(tokenizer: Tokenizer) -> None:
    text = "start " + "x" * 3000 + " end"
    cut = chunk_windows(text, tokenizer, 64)
    assert cut.covered == cut.tokens and cut.texts[-1].endswith("end")
    assert all(_pieces(tokenizer, piece) <= 64 - SPECIAL_TOKENS for piece in cut.texts)


def test_window_keys_are_by_text() -> None:
    assert window_key("a b") == window_key("a b") != window_key("a  b")
