"""The labelled retrieval questions (``questions.json``) and how a hit is judged against them.

Each question is a paraphrase of something one or more real documents of the 1x corpus answer
(``main/real/``), with the documents that count as right (paths relative to the corpus folder,
e.g. ``real/bash-bashref.pdf``). A hit is right when its ``file`` (as ``docmind search --json``
reports it: relative to the source, prefixed by the source's label) is one of those paths.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

QUESTIONS = Path(__file__).resolve().parent / "questions.json"


@dataclass(frozen=True)
class Question:
    """One labelled question: its text, the documents that answer it and which section does."""

    id: str
    text: str
    targets: tuple[str, ...]
    answer: str

    def is_target(self, file: str) -> bool:
        """Whether a hit's ``file`` is one of this question's documents."""
        return any(file == target or file.endswith("/" + target) for target in self.targets)

    def first_rank(self, files: list[str]) -> int | None:
        """1-based rank of the first hit that is a target document (``None``: none of them is)."""
        return next((rank for rank, file in enumerate(files, 1) if self.is_target(file)), None)


def load_questions(path: Path = QUESTIONS) -> list[Question]:
    """Read the questions, each with its target group expanded to the list of documents.

    Raises:
        ValueError: a question names an unknown target group, or two questions share an id.
    """
    data = json.loads(path.read_text(encoding="utf-8"))
    groups: dict[str, list[str]] = data["documents"]
    questions: list[Question] = []
    for item in data["questions"]:
        if item["target"] not in groups:
            raise ValueError(f"question {item['id']}: unknown target group {item['target']!r}")
        questions.append(
            Question(item["id"], item["question"], tuple(groups[item["target"]]), item["answer"])
        )
    ids = [q.id for q in questions]
    if len(set(ids)) != len(ids):
        raise ValueError("question ids must be unique")
    return questions


def answerable(questions: list[Question], corpus: Path) -> list[Question]:
    """The questions at least one of whose documents exists under ``corpus`` (the quick corpus lacks some)."""
    return [q for q in questions if any((corpus / target).is_file() for target in q.targets)]
