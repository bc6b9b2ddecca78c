"""Embedding calls sized to move the progress several times a second: small first, then by the rate."""

from __future__ import annotations

from docmind.ingest.embed.batches import FIRST_CALL, GROWTH, TARGET_SECONDS, BatchSizer


def test_the_first_call_is_small_then_calls_last_about_the_target() -> None:
    sizer = BatchSizer(most=32, target_seconds=0.4)
    lengths = [1_000] * 100
    assert sizer.next_size(lengths) == FIRST_CALL
    sizer.measured(2_000, 0.2)  # 10,000 characters a second: 4,000 in the target's 0.4 s
    assert sizer.next_size(lengths) == 4
    sizer.measured(4_000, 0.4)
    assert sizer.next_size(lengths) == 4
    assert 0 < TARGET_SECONDS <= 0.5  # the default keeps a call within half a second


def test_a_fast_embedder_grows_to_the_configured_batch_without_jumping() -> None:
    sizer = BatchSizer(most=32)
    lengths = [100] * 1_000
    sizes = [sizer.next_size(lengths)]
    for _ in range(4):
        sizer.measured(sizes[-1] * 100, 0.001)  # far faster than the target
        sizes.append(sizer.next_size(lengths))
    assert sizes == [FIRST_CALL, FIRST_CALL * GROWTH, 32, 32, 32]


def test_longer_windows_make_smaller_calls_and_one_window_always_goes() -> None:
    sizer = BatchSizer(most=32, target_seconds=0.4)
    sizer.next_size([10] * 10)
    sizer.measured(20, 0.4)  # 50 characters a second
    assert sizer.next_size([10, 10, 10, 10]) == 2
    assert sizer.next_size([5_000, 5_000]) == 1  # longer than a call's budget: still one at a time
    assert sizer.next_size([]) == 0
    assert BatchSizer(most=1).next_size([1, 1, 1]) == 1
