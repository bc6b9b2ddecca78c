from __future__ import annotations

import inspect
import itertools

import pytest
from docmind_jobs import (
    ACTIVE_STATES,
    TERMINAL_STATES,
    TRANSITIONS,
    InvalidTransitionError,
    JobState,
    check_transition,
    registry,
)
from docmind_jobs.registry import ACTIVE_SQL_STATES

VALID = {
    (JobState.QUEUED, JobState.RUNNING),
    (JobState.QUEUED, JobState.CANCELLED),
    (JobState.QUEUED, JobState.INTERRUPTED),
    (JobState.RUNNING, JobState.CANCELLING),
    (JobState.RUNNING, JobState.SUCCEEDED),
    (JobState.RUNNING, JobState.FAILED),
    (JobState.RUNNING, JobState.CANCELLED),
    (JobState.RUNNING, JobState.INTERRUPTED),
    (JobState.CANCELLING, JobState.CANCELLED),
    (JobState.CANCELLING, JobState.SUCCEEDED),
    (JobState.CANCELLING, JobState.FAILED),
    (JobState.CANCELLING, JobState.INTERRUPTED),
}


def test_state_words_are_the_ui_contract() -> None:
    assert [state.value for state in JobState] == [
        "Queued",
        "Running",
        "Cancelling",
        "Cancelled",
        "Succeeded",
        "Failed",
        "Interrupted",
    ]
    assert str(JobState.RUNNING) == "Running"
    assert JobState("Cancelling") is JobState.CANCELLING


def test_terminal_and_active_partition_the_states() -> None:
    assert {s for s in JobState if s.is_terminal} == {"Succeeded", "Failed", "Cancelled", "Interrupted"}
    assert {s for s in JobState if s.is_active} == {"Queued", "Running", "Cancelling"}
    assert set(JobState) == ACTIVE_STATES | TERMINAL_STATES
    assert not ACTIVE_STATES & TERMINAL_STATES


def test_registry_sql_spells_the_same_active_states() -> None:
    assert set(ACTIVE_SQL_STATES) == {state.value for state in ACTIVE_STATES}


def test_registry_queries_name_no_state_word_of_their_own() -> None:
    # Every query says "active" through the one constant built from the enum: none spells a state itself.
    source = inspect.getsource(registry)
    spellings = [spelling for state in JobState for spelling in (f"'{state.value}'", f'"{state.value}"')]
    quoted = [spelling for spelling in spellings if spelling in source]
    assert quoted == []


@pytest.mark.parametrize("pair", sorted(VALID))
def test_valid_transitions_are_accepted(pair: tuple[JobState, JobState]) -> None:
    current, target = pair
    check_transition(current, target)
    assert current.can_become(target)


@pytest.mark.parametrize(
    "pair", [pair for pair in itertools.product(JobState, JobState) if pair not in VALID]
)
def test_every_other_transition_is_rejected(pair: tuple[JobState, JobState]) -> None:
    current, target = pair
    assert not current.can_become(target)
    with pytest.raises(InvalidTransitionError, match=f"{current.value} -> {target.value}"):
        check_transition(current, target)


def test_terminal_states_are_final() -> None:
    for state in TERMINAL_STATES:
        assert TRANSITIONS[state] == frozenset()
