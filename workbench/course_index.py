"""The course as a searchable list of demos (Qt-free): the course map and the command
palette (Ctrl+K) read it.

Each entry is one demo (or one planned topic): its panel, chapter, title and one-line
summary, the words of its text (resources/texts/<panel>/<demo>.html, tags stripped) and
its preset names. :func:`search` finds entries whose fields contain every word of the
query (accents and case ignored); matches in titles and names rank above matches in the
text.
"""
from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable

from engines.spec import Topic
from workbench.paths import PRESETS_DIR, TEXTS_DIR

#: Words that only say "chapter" in a query ("chapter 5", "ch. 5").
FILLER = {"chapter", "ch", "kapitel", "lecture"}
WEIGHTS = {"name": 12.0, "title": 10.0, "topic": 5.0, "chapter": 6.0, "summary": 4.0,
           "presets": 2.0, "text": 1.0}


@dataclass(frozen=True)
class Entry:
    panel: str
    demo: str | None           # None: a planned topic (not yet built)
    title: str
    topic_title: str
    chapter: str
    summary: str
    text: str                  # plain text of the demo's explanation
    presets: tuple[str, ...] = ()
    lead: str = ""             # the text's first sentence after its heading

    @property
    def built(self) -> bool:
        return self.demo is not None

    @property
    def key(self) -> str:
        return f"{self.panel}/{self.demo}" if self.demo else self.panel

    def describe(self) -> str:
        """The one line shown under the title."""
        return self.summary or self.lead or first_sentence(self.text)


def fold(text: str) -> str:
    """Lower case without accents: 'Cramér' matches 'cramer'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def plain_text(markup: str) -> str:
    text = re.sub(r"<(br|p|h\d|li)\b[^>]*>", " ", markup, flags=re.IGNORECASE)
    text = re.sub(r"<[^>]+>", "", text)
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


def first_sentence(text: str, limit: int = 140) -> str:
    sentence = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    return sentence if len(sentence) <= limit else sentence[:limit - 1].rstrip() + "…"


def _demo_text(panel: str, demo: str) -> tuple[str, str]:
    """The plain text of a demo's explanation, and its first sentence after the heading."""
    try:
        markup = (TEXTS_DIR / panel / f"{demo}.html").read_text(encoding="utf-8")
    except OSError:
        return "", ""
    body = re.sub(r"<h\d\b.*?</h\d>", " ", markup, flags=re.IGNORECASE | re.DOTALL)
    return plain_text(markup), first_sentence(plain_text(body))


def _presets(panel: str) -> dict:
    import json

    try:
        data = json.loads((PRESETS_DIR / f"{panel}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def build_index(topics: Iterable[Topic] | None = None) -> list[Entry]:
    if topics is None:
        from engines.registry import COURSE

        topics = COURSE.values()
    entries: list[Entry] = []
    for topic in topics:
        if not topic.built:
            entries.append(Entry(topic.id, None, topic.title, topic.title, topic.chapter,
                                 "planned", ""))
            continue
        presets = _presets(topic.id)
        for spec in topic.demos:
            text, lead = _demo_text(topic.id, spec.name)
            table = presets.get(spec.name, {})
            names = tuple(table) if isinstance(table, dict) else ()
            entries.append(Entry(topic.id, spec.name, spec.title, topic.title, topic.chapter,
                                 spec.summary, text, names, lead))
    return entries


def _fields(entry: Entry) -> dict[str, str]:
    return {"name": fold(f"{entry.panel} {entry.demo or ''}"),
            "title": fold(entry.title), "topic": fold(entry.topic_title),
            "chapter": fold(entry.chapter), "summary": fold(entry.summary),
            "presets": fold(" ".join(entry.presets)), "text": fold(entry.text)}


def _score_word(word: str, fields: dict[str, str], chapter_only: bool = False) -> float:
    best = 0.0
    for name, value in fields.items():
        if chapter_only and name != "chapter":
            continue
        if name == "chapter":
            chapters = re.split(r"[\s,;]+", value)
            if word in chapters or any(c.split(".")[0] == word for c in chapters):
                best = max(best, WEIGHTS[name])
            continue
        if word in value:
            bonus = 1.5 if re.search(rf"(^|[^\w]){re.escape(word)}", value) else 1.0
            best = max(best, WEIGHTS[name] * bonus)
    return best


def search(query: str, entries: list[Entry], limit: int | None = None) -> list[Entry]:
    """Entries matching every word of the query, best first (course order on ties)."""
    raw = [w.strip(".") for w in re.findall(r"[\w.+-]+", fold(query))]
    chapter_query = any(w in FILLER for w in raw)     # "chapter 5": numbers are chapters
    words = [w for w in raw if w and w not in FILLER]
    if not words:
        return list(entries)[:limit] if limit else list(entries)
    scored = []
    for position, entry in enumerate(entries):
        fields = _fields(entry)
        scores = [_score_word(w, fields, chapter_query and w[:1].isdigit()) for w in words]
        if all(scores):
            scored.append((-sum(scores), position, entry))
    scored.sort(key=lambda item: item[:2])
    found = [entry for _, _, entry in scored]
    return found[:limit] if limit else found
