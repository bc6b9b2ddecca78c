"""Short real-language documents on distinct topics, and questions that share none of their key terms.

The generated corpus of ``tests.support.corpus`` is random vocabulary: fine for keyword search,
meaningless for dense vectors. These texts let tests check that search by meaning works.
"""

from __future__ import annotations

from pathlib import Path

DOCUMENTS = {
    "beekeeping.md": (
        "# Keeping bees\n\n"
        "A colony of honey bees lives in a hive made of wooden boxes stacked on top of each other. "
        "The queen lays eggs in the brood chamber while worker bees gather nectar and pollen from "
        "flowers. In late summer the beekeeper lifts the frames from the upper boxes and spins the "
        "comb in an extractor to harvest the honey. Smoke calms the colony during inspections, and a "
        "veil protects the face from stings. Before winter, enough stores must be left for the "
        "colony to survive the cold months.\n"
    ),
    "sourdough.txt": (
        "Baking sourdough bread starts with a starter: flour and water left to ferment until wild "
        "yeast and lactic bacteria make it bubble. The baker mixes the starter with more flour, water "
        "and salt, folds the dough every half hour, and lets it rise slowly overnight in the fridge. "
        "A hot Dutch oven gives the loaf its crisp crust, and scoring the top with a blade lets it "
        "expand in the oven. The sour taste comes from the acids the bacteria produce.\n"
    ),
    "volcanoes.rst": (
        "Volcanoes\n=========\n\n"
        "A volcano forms where molten rock called magma rises through the crust. When pressure from "
        "dissolved gases builds up, an eruption throws out lava, ash and rock. Shield volcanoes such "
        "as those of Hawaii have gentle slopes built by runny lava, while stratovolcanoes are steep "
        "cones of alternating ash and lava layers. Seismometers and gas measurements help scientists "
        "forecast eruptions and warn people living nearby.\n"
    ),
}

EXTRA_DOCUMENT = (
    "chess.md",
    "# Chess openings\n\n"
    "In chess, the opening moves decide control of the centre. White often begins by pushing the king's "
    "pawn two squares; Black may answer symmetrically or choose the Sicilian defence. Developing knights "
    "and bishops early, castling to protect the king and not moving the same piece twice are the "
    "principles most coaches teach beginners.\n",
)

QUESTIONS = {
    "how do insects make a sweet sticky food that people collect": "beekeeping.md",
    "why does naturally leavened loaf taste tangy": "sourdough.txt",
    "what makes a mountain explode with fire": "volcanoes.rst",
}
"""Question → the document that answers it, worded without that document's key terms."""


def write_prose(folder: Path) -> Path:
    """Write ``DOCUMENTS`` into ``folder``; return it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in DOCUMENTS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder
