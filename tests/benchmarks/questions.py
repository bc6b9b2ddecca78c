"""The labelled retrieval questions (``questions.json``) and how a hit is judged against them.

Each question asks for something one or more real documents of the 1x corpus answer (``main/real/``),
with the documents that count as right (paths relative to the corpus folder, e.g.
``real/bash-bashref.pdf``). A hit is right when its ``file`` (as ``docmind search --json`` reports
it: relative to the source, prefixed by the source's label) is one of those paths. ``kind`` says how
the question is worded (``KINDS``: a paraphrase, or keyword-shaped); ``documents`` which kind of
document answers it (``DOCUMENT_KINDS``, from the file names).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

QUESTIONS = Path(__file__).resolve().parent / "questions.json"
KINDS = ("paraphrase", "identifier", "option", "error-code", "version")
DOCUMENT_KINDS = {
    "real/bash-": "GNU manuals",
    "real/gnu-standards-": "GNU manuals",
    "real/license-": "licence texts",
    "real/python-": "Python reference",
    "real/libtasn1": "PDF specifications",
    "real/shared-mime-info": "PDF specifications",
}


@dataclass(frozen=True)
class Question:
    """One labelled question: its text and wording, the documents that answer it and which section does."""

    id: str
    text: str
    targets: tuple[str, ...]
    answer: str
    kind: str

    @property
    def keyword_shaped(self) -> bool:
        """Whether it is typed as a name, code, switch or version rather than asked in words."""
        return self.kind != "paraphrase"

    @property
    def documents(self) -> str:
        """The kind of document that answers it (that of its first target)."""
        return next(kind for prefix, kind in DOCUMENT_KINDS.items() if self.targets[0].startswith(prefix))

    def is_target(self, file: str) -> bool:
        """Whether a hit's ``file`` is one of this question's documents."""
        return any(file == target or file.endswith("/" + target) for target in self.targets)

    def first_rank(self, files: list[str]) -> int | None:
        """1-based rank of the first hit that is a target document (``None``: none of them is)."""
        return next((rank for rank, file in enumerate(files, 1) if self.is_target(file)), None)


def load_questions(path: Path = QUESTIONS) -> list[Question]:
    """Read the questions, each with its target group expanded to the list of documents.

    Raises:
        ValueError: a question names an unknown target group or kind, or two questions share an id.
    """
    data = json.loads(path.read_text(encoding="utf-8"))
    groups: dict[str, list[str]] = data["documents"]
    questions: list[Question] = []
    for item in data["questions"]:
        if item["target"] not in groups:
            raise ValueError(f"question {item['id']}: unknown target group {item['target']!r}")
        if item["kind"] not in KINDS:
            raise ValueError(f"question {item['id']}: unknown kind {item['kind']!r}")
        targets = tuple(groups[item["target"]])
        questions.append(Question(item["id"], item["question"], targets, item["answer"], item["kind"]))
    ids = [q.id for q in questions]
    if len(set(ids)) != len(ids):
        raise ValueError("question ids must be unique")
    return questions


def answerable(questions: list[Question], corpus: Path) -> list[Question]:
    """The questions at least one of whose documents exists under ``corpus`` (the quick corpus lacks some)."""
    return [q for q in questions if any((corpus / target).is_file() for target in q.targets)]
