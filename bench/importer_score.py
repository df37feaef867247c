"""How well the importer reads real agendas: `python -m bench.importer_score [FOLDER]` (or
`make importer-score`).

The folder (default: $TUG_IMPORTER_CORPUS, else tests/importer/corpus/) holds agendas as
`NAME.txt|.docx|.pdf`, each beside a hand-written `NAME.expected.json` in the form of
`import_agenda --dry-run --format json`. Only the keys an expected file names are scored (an
expected `null` or `[]` says the right answer is blank); `title` may list the acceptable
spellings. Every expected value is one field, judged as

- right: the importer's value equals it (after the normalisation below);
- blank: the importer left it empty, the right-or-blank outcome;
- wrong: the importer gave a value that differs (or gave one where the answer is blank).

Printed: a table per document and per publisher (the file name up to its first "_"), and the
totals; written: var/importer-score.json. Records are read as the command reads them
(`source_read`, the bounded reader), so the score is the command's.
"""

import argparse
import json
import os
import re
import sys
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT / "tests" / "importer" / "corpus"
REPORT = ROOT / "var" / "importer-score.json"
TARGETS = {"right": 0.95, "wrong": 0.01, "document_floor": 0.80}
EXTENSIONS = (".txt", ".docx", ".pdf")

_DASHES = re.compile(r"[\u2010-\u2015\u2212]")
_EDGE_PUNCTUATION = " .,:;*|-"


@dataclass
class Judgement:
    field: str
    expected: object
    got: object
    verdict: str  # "right", "wrong" or "blank"


@dataclass
class DocumentScore:
    name: str
    publisher: str
    judgements: list[Judgement] = field(default_factory=list)

    def count(self, verdict: str) -> int:
        return sum(j.verdict == verdict for j in self.judgements)

    @property
    def total(self) -> int:
        return len(self.judgements)

    @property
    def right_share(self) -> float:
        return self.count("right") / self.total if self.total else 1.0


def normal_text(value) -> str:
    text = unicodedata.normalize("NFKC", str(value))
    text = _DASHES.sub("-", text).replace("\u2019", "'")
    return " ".join(text.split()).casefold().strip(_EDGE_PUNCTUATION)


def _digits(value) -> str:
    return re.sub(r"\D", "", str(value))


def _code(value) -> str:
    return re.sub(r"[\s#.-]", "", str(value)).casefold()


_NORMALISERS = {
    "number": _digits,
    "meeting_number": _digits,
    "access_code": _code,
    "url": lambda v: str(v).strip().rstrip(".,;)"),
    "email": lambda v: str(v).strip().casefold(),
}


def _same(key: str, expected, got) -> bool:
    if isinstance(expected, list):  # acceptable spellings
        return any(_same(key, one, got) for one in expected)
    normalise = _NORMALISERS.get(key, normal_text)
    return normalise(expected) == normalise(got)


def _judge(name: str, key: str, expected, got) -> Judgement:
    if expected is None:
        verdict = "right" if got in (None, "", [], {}) else "wrong"
    elif got in (None, "", [], {}):
        verdict = "blank"
    else:
        verdict = "right" if _same(key, expected, got) else "wrong"
    return Judgement(name, expected, got, verdict)


def score_record(expected: dict, record: dict) -> list[Judgement]:
    """Judge every field an expected file names against the importer's record."""
    judged: list[Judgement] = []
    for key in ("title", "date", "start_time", "end_time", "timezone", "next_meeting_date"):
        if key in expected:
            judged.append(_judge(key, key, expected[key], record.get(key)))
    for key in ("web_conference", "contact"):
        if key in expected:
            judged.extend(_judge_object(key, expected[key], record.get(key)))
    if "dial_in" in expected:
        judged.extend(_judge_list("dial_in", expected["dial_in"], record.get("dial_in") or []))
    if "topics" in expected:
        judged.extend(_judge_topics(expected, record.get("topics") or []))
    return judged


def _judge_topics(expected: dict, got: list[dict]) -> list[Judgement]:
    """Topics are matched in order by title, so that one row missed is one blank, not a shift
    that makes every later row wrong; a topic the importer lists that matches none expected is
    wrong (unless the expected list says it is partial: "topics_complete": false)."""
    wanted = expected["topics"]
    if not wanted:
        return [_judge("topics", "topics", None, got)]
    judged, cursor, matched = [], 0, set()
    for i, item in enumerate(wanted):
        found = next(
            (k for k in range(cursor, len(got)) if _same("title", item["title"], got[k]["title"])),
            None,
        )
        if found is None:
            judged.append(Judgement(f"topics[{i}].title", item["title"], None, "blank"))
            if "facilitator" in item:
                verdict = "blank"
                judged.append(
                    Judgement(f"topics[{i}].facilitator", item["facilitator"], None, verdict)
                )
            continue
        cursor, topic = found + 1, got[found]
        matched.add(found)
        judged.append(Judgement(f"topics[{i}].title", item["title"], topic["title"], "right"))
        if "facilitator" in item:
            judged.append(
                _judge(
                    f"topics[{i}].facilitator",
                    "facilitator",
                    item["facilitator"],
                    topic["facilitator"],
                )
            )
    if expected.get("topics_complete", True):
        for k, topic in enumerate(got):
            if k not in matched:
                judged.append(Judgement("topics.unmatched", None, topic["title"], "wrong"))
    return judged


def _judge_object(name: str, expected, got) -> list[Judgement]:
    if expected is None:
        return [_judge(name, name, None, got)]
    got = got or {}
    return [_judge(f"{name}.{k}", k, v, got.get(k)) for k, v in expected.items()]


def _judge_list(name: str, expected: list, got: list) -> list[Judgement]:
    if not expected:
        return [_judge(name, name, None, got)]
    judged = []
    for i, item in enumerate(expected):
        found = got[i] if i < len(got) else {}
        for key, value in item.items():
            judged.append(_judge(f"{name}[{i}].{key}", key, value, found.get(key)))
    return judged


def corpus_documents(folder: Path) -> list[tuple[Path, Path]]:
    pairs = []
    for expected in sorted(folder.glob("*.expected.json")):
        stem = expected.name.removesuffix(".expected.json")
        source = next((p for ext in EXTENSIONS if (p := folder / f"{stem}{ext}").exists()), None)
        if source:
            pairs.append((source, expected))
    return pairs


def read_record(path: Path) -> dict:
    from tug_portal.importer.sources import source_read

    return source_read(path).record.to_json_dict()


def score_corpus(folder: Path, reader=read_record) -> list[DocumentScore]:
    scores = []
    for source, expected_path in corpus_documents(folder):
        expected = json.loads(expected_path.read_text(encoding="utf-8"))
        stem = source.stem
        score = DocumentScore(stem, stem.split("_", 1)[0])
        score.judgements = score_record(expected, reader(source))
        scores.append(score)
    return scores


def summary(scores: list[DocumentScore]) -> dict:
    total = sum(s.total for s in scores) or 1
    right = sum(s.count("right") for s in scores)
    wrong = sum(s.count("wrong") for s in scores)
    blank = sum(s.count("blank") for s in scores)
    lowest = min((s.right_share for s in scores), default=1.0)
    return {
        "documents": len(scores),
        "fields": sum(s.total for s in scores),
        "right": right / total,
        "wrong": wrong / total,
        "blank": blank / total,
        "lowest_document": lowest,
        "targets": TARGETS,
        "met": {
            "right": right / total >= TARGETS["right"],
            "wrong": wrong / total <= TARGETS["wrong"],
            "document_floor": lowest >= TARGETS["document_floor"],
        },
    }


def _publishers(scores: list[DocumentScore]) -> dict:
    groups: dict[str, list[DocumentScore]] = {}
    for score in scores:
        groups.setdefault(score.publisher, []).append(score)
    return {name: summary(group) for name, group in sorted(groups.items())}


def _print(scores: list[DocumentScore], totals: dict, publishers: dict) -> None:
    width = max((len(s.name) for s in scores), default=10)
    print(f"{'document':<{width}}  fields  right  wrong  blank")
    for s in scores:
        print(
            f"{s.name:<{width}}  {s.total:>6}  {s.right_share:>5.0%}"
            f"  {s.count('wrong'):>5}  {s.count('blank'):>5}"
        )
        for j in s.judgements:
            if j.verdict == "wrong":
                print(f"{'':<{width}}    WRONG {j.field}: expected {j.expected!r}, got {j.got!r}")
    print()
    print(f"{'publisher':<12}  docs  fields  right  wrong  blank  lowest")
    for name, p in publishers.items():
        print(
            f"{name:<12}  {p['documents']:>4}  {p['fields']:>6}  {p['right']:>5.0%}"
            f"  {p['wrong']:>5.1%}  {p['blank']:>5.0%}  {p['lowest_document']:>6.0%}"
        )
    print()
    yes = {True: "yes", False: "NO"}
    print(
        f"{totals['documents']} documents, {totals['fields']} fields: "
        f"right {totals['right']:.1%} (target >= 95%: {yes[totals['met']['right']]}), "
        f"wrong {totals['wrong']:.1%} (target <= 1%: {yes[totals['met']['wrong']]}), "
        f"blank {totals['blank']:.1%}, lowest document {totals['lowest_document']:.0%} "
        f"(target >= 80%: {yes[totals['met']['document_floor']]})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", help="the corpus folder")
    parser.add_argument("--output", default=str(REPORT), help="where to write the JSON figures")
    args = parser.parse_args(argv)
    folder = Path(args.folder or os.environ.get("TUG_IMPORTER_CORPUS") or DEFAULT_CORPUS)
    if not folder.is_dir():
        print(f"No corpus folder at {folder}", file=sys.stderr)
        return 2
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tug_portal.settings")
    os.environ.setdefault("TUG_EMBEDDED", "1")
    import django

    django.setup()
    scores = score_corpus(folder)
    totals, publishers = summary(scores), _publishers(scores)
    _print(scores, totals, publishers)
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "corpus": str(folder),
        "totals": totals,
        "publishers": publishers,
        "documents": [
            {
                "name": s.name,
                "publisher": s.publisher,
                "fields": s.total,
                "right": s.right_share,
                "wrong": s.count("wrong"),
                "blank": s.count("blank"),
                "judgements": [asdict(j) for j in s.judgements],
            }
            for s in scores
        ],
    }
    output.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str))
    print(f"Written: {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
