"""How many batch actors a Ray cluster gets, and where: the rule of ``actor_pool.actor_slots``."""

from __future__ import annotations

from typing import Any

from docmind.executors.ray.actor_pool import CPUS_PER_ACTOR, ActorSlot, actor_slots


def _node(node_id: str, cpus: float = 0, gpus: float = 0, alive: bool = True) -> dict[str, Any]:
    """A node as ``ray.nodes()`` describes it (the fields the rule reads)."""
    resources = {"CPU": cpus, "memory": 1e9} | ({"GPU": gpus} if gpus else {})
    return {"NodeID": node_id, "Alive": alive, "Resources": resources}


def test_one_actor_per_two_cpus_of_each_node_spread_round_robin() -> None:
    assert CPUS_PER_ACTOR == 2
    slots = actor_slots([_node("a", cpus=4), _node("b", cpus=2), _node("c", cpus=5)])
    assert [slot.node_id for slot in slots] == ["a", "b", "c", "a", "c"]
    assert {slot.cpus for slot in slots} == {2} and {slot.gpus for slot in slots} == {0}


def test_a_node_with_fewer_cpus_gets_one_actor_with_what_it_has() -> None:
    slots = actor_slots([_node("a", cpus=1), _node("b", cpus=1.5), _node("head", cpus=0)])
    assert slots == [ActorSlot("a", 1.0, 0.0), ActorSlot("b", 1.0, 0.0)]


def test_with_gpus_one_actor_per_gpu_and_none_on_cpu_only_nodes() -> None:
    slots = actor_slots([_node("cpu", cpus=64), _node("g2", cpus=8, gpus=2), _node("g1", cpus=0, gpus=1)])
    assert slots == [ActorSlot("g2", 1.0, 1.0), ActorSlot("g1", 0.0, 1.0), ActorSlot("g2", 1.0, 1.0)]


def test_dead_nodes_hold_none_and_there_is_always_one_actor() -> None:
    assert actor_slots([_node("gone", cpus=8, alive=False), _node("a", cpus=2)]) == [ActorSlot("a", 2, 0.0)]
    assert actor_slots([]) == [ActorSlot("", 1.0, 0.0)]
