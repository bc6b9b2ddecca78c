"""The Ray executor's batch workers: a pool of actors sized by the cluster, each keeping its model loaded.

Size (read from the cluster's live nodes when the pool starts, see :func:`actor_slots`): with GPUs in
the cluster, one actor per GPU (each asks for 1 GPU and 1 CPU); without, one actor per
``CPUS_PER_ACTOR`` CPUs of each node, and one on a node with fewer CPUs than that (asking for what it
has). An actor asks for its CPUs, so Ray gives it that many threads (``OMP_NUM_THREADS``) and places
no other work on them; two CPUs per actor keeps a CPU model's intra-op threads busy while leaving
room for more actors on a big node. Each actor is pinned to its node (node affinity, not soft), so
the pool spreads over the nodes as planned; the slots are taken round-robin over the nodes, so a
pool cut to ``size`` actors (the benchmark's one against two) still spreads. There is always at
least one actor.

Calls: ``warm_up`` runs one call on every actor and waits for all (the model loads everywhere at
once); ``stream`` sends the calls of a stream to the actor holding the fewest, at most
``per_worker`` per actor (an actor runs its calls one at a time, in the order sent, the next ones
waiting in Ray's queue beside it) and yields the results in the order of the calls. Errors: a call
that raised is ``WorkerTaskError``; an actor that died (its process, its node) is
``WorkerCrashedError``. A cancel, a failure or a stream left before its end kills every actor at
once (``ray.kill``): the model's memory goes with them, and a later call starts a new pool.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import ray
from ray.exceptions import RayActorError, RayTaskError
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

from docmind.executors.errors import IngestCancelled, WorkerCrashedError, WorkerTaskError
from docmind.executors.ray.tasks import BatchWorker
from docmind.executors.ray.waiting import first_ready

CPUS_PER_ACTOR = 2
"""CPUs each actor asks for on a cluster without GPUs (a node with fewer gets one actor with what it has)."""

T = TypeVar("T")
R = TypeVar("R")
_END: Any = object()
_batch_actor = ray.remote(BatchWorker)


@dataclass(frozen=True)
class ActorSlot:
    """Where one actor runs and what it asks for."""

    node_id: str
    cpus: float
    gpus: float


def actor_slots(nodes: Sequence[Mapping[str, Any]]) -> list[ActorSlot]:
    """The actors a cluster holds (``nodes``: what ``ray.nodes()`` returns), round-robin over its nodes.

    See the module docstring for the rule. Dead nodes and nodes without CPUs (or GPUs, when the
    cluster has some) hold none; a cluster where no node qualifies still gets one actor, placed by Ray.
    """
    alive = [node for node in nodes if node.get("Alive")]
    with_gpus = any(node["Resources"].get("GPU", 0) >= 1 for node in alive)
    per_node: list[list[ActorSlot]] = []
    for node in alive:
        cpus, gpus = node["Resources"].get("CPU", 0.0), node["Resources"].get("GPU", 0.0)
        if with_gpus:
            per_node.append([ActorSlot(node["NodeID"], min(cpus, 1.0), 1.0)] * int(gpus))
        elif cpus >= CPUS_PER_ACTOR:
            per_node.append([ActorSlot(node["NodeID"], CPUS_PER_ACTOR, 0.0)] * int(cpus // CPUS_PER_ACTOR))
        elif cpus >= 1:
            per_node.append([ActorSlot(node["NodeID"], float(int(cpus)), 0.0)])
    slots: list[ActorSlot] = []
    for rank in range(max(map(len, per_node), default=0)):
        slots += [on_node[rank] for on_node in per_node if rank < len(on_node)]
    return slots or [ActorSlot("", 1.0, 0.0)]


class BatchActors:
    """The pool of batch actors of one job, bound to its cancel event; started on first use.

    ``size`` cuts the pool to at most that many actors (None: every slot the cluster has).
    """

    def __init__(self, cancel: threading.Event, size: int | None = None) -> None:
        self._cancel = cancel
        self._size = size
        self._actors: list[Any] = []

    def warm_up(self, fn: Callable[[T], R], argument: T) -> list[R]:
        """Run ``fn(argument)`` once on every actor (starting the pool); the results in actor order.

        Raises:
            IngestCancelled: the cancel event was set (every actor is killed).
            WorkerTaskError: ``fn`` raised on an actor (every actor is killed).
            WorkerCrashedError: an actor died (every actor is killed).
        """
        refs = [actor.run.remote(fn, argument) for actor in self._started()]
        waiting = list(refs)
        results: dict[object, R] = {}
        try:
            while waiting:
                for ref in first_ready(waiting, self._cancel):
                    waiting.remove(ref)
                    results[ref] = _result(ref)
        except (IngestCancelled, WorkerTaskError, WorkerCrashedError):
            self.stop()
            raise
        return [results[ref] for ref in refs]

    def stream(
        self, fn: Callable[[T], R], arguments: Iterable[T], per_worker: int
    ) -> Generator[R, None, None]:
        """Yield ``fn(argument)`` per argument, in order, with at most ``per_worker`` calls on each actor.

        Arguments are pulled lazily, only when an actor has room.

        Raises:
            IngestCancelled: the cancel event was set (every actor is killed).
            WorkerTaskError: ``fn`` raised for an argument (every actor is killed).
            WorkerCrashedError: an actor died (every actor is killed).
        """
        actors = self._started()
        pending = iter(arguments)
        sent: deque[tuple[Any, int]] = deque()  # (result, actor) in the order of the calls
        held = [0] * len(actors)
        try:
            while True:
                while len(sent) < max(per_worker, 1) * len(actors):
                    argument = next(pending, _END)
                    if argument is _END:
                        break
                    actor = held.index(min(held))
                    sent.append((actors[actor].run.remote(fn, argument), actor))
                    held[actor] += 1
                if not sent:
                    return
                ref, actor = sent[0]
                first_ready([ref], self._cancel)
                value = _result(ref)
                sent.popleft()
                held[actor] -= 1
                yield value
        finally:
            if sent or self._cancel.is_set():
                self.stop()

    def stop(self) -> None:
        """Kill every actor now (the calls they hold are dropped); a later call starts a new pool."""
        actors, self._actors = self._actors, []
        for actor in actors:
            ray.kill(actor, no_restart=True)

    def _started(self) -> list[Any]:
        if not self._actors:
            slots = actor_slots(ray.nodes())
            if self._size is not None:
                slots = slots[: max(self._size, 1)]
            self._actors = [_start(slot) for slot in slots]
        return self._actors


def _start(slot: ActorSlot) -> Any:
    options: dict[str, Any] = {"num_cpus": slot.cpus, "num_gpus": slot.gpus}
    if slot.node_id:
        options["scheduling_strategy"] = NodeAffinitySchedulingStrategy(slot.node_id, soft=False)
    return _batch_actor.options(**options).remote()


def _result(ref: Any) -> Any:
    """The value of a finished call, or the seam's error for it."""
    try:
        return ray.get(ref)
    except RayTaskError as exc:
        cause = exc.cause
        raise WorkerTaskError(f"{type(cause).__name__}: {cause}") from exc
    except RayActorError as exc:
        raise WorkerCrashedError(f"the Ray worker holding the batch died ({type(exc).__name__})") from exc
