"""python manage.py import_agenda PATH [PATH ...] [--program SLUG] [--dry-run] [--format json]

Each PATH is an agenda (.txt, .docx, .pdf) or a folder of them (searched recursively). Every
file is imported in a transaction of its own: a file that fails leaves nothing behind and the
others go on. A progress bar (on stderr) follows a bulk import, and a report closes it.
`--dry-run --format json` writes nothing and prints, on stdout and nothing else, the JSON record
of each file: one object for one file, an array otherwise.
"""

import json
import logging
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from tug_portal.importer.extract import SUPPORTED_EXTENSIONS, AgendaFileError
from tug_portal.importer.services import ImportOutcome, ImportStatus, agenda_import_file
from tug_portal.importer.sources import source_read
from tug_portal.meetings.models import Program

logger = logging.getLogger(__name__)

HEADINGS = {
    ImportStatus.CREATED: ("Created", "Would be created"),
    ImportStatus.UPDATED: ("Updated", "Would be updated"),
}


class Command(BaseCommand):
    help = "Import agenda documents (.txt, .docx, .pdf, or folders of them) as draft meetings."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="A file or a folder.")
        parser.add_argument(
            "--program", metavar="SLUG", help="The program of every file (else from its title)."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Read and report; write nothing."
        )
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, paths, program, dry_run, format, **options):
        program = _program(program)
        files = agenda_files(paths)
        if not files:
            raise CommandError("No .txt, .docx or .pdf file found in " + ", ".join(paths))
        one = len(paths) == 1 and len(files) == 1 and not Path(paths[0]).is_dir()
        if dry_run and format == "json":
            failed = self._print_records(files, one)
        else:
            outcomes = [self._outcome(path, program, dry_run) for path in self._progress(files)]
            if format == "json":
                self._print_json([_outcome_json(o) for o in outcomes], one)
            else:
                self._print_report(outcomes, dry_run)
            failed = sum(o.status == ImportStatus.FAILED for o in outcomes)
        if failed:
            raise CommandError(f"{failed} of {len(files)} files could not be imported.")

    # --- one file ----------------------------------------------------------------------------

    def _outcome(self, path: Path, program: Program | None, dry_run: bool) -> ImportOutcome:
        if not path.is_file():
            return ImportOutcome(path.name, ImportStatus.FAILED, reason="no such file")
        try:
            return agenda_import_file(path=path, program=program, dry_run=dry_run)
        except Exception as error:  # one broken file must not stop a bulk import
            logger.exception("Importing %s failed", path)
            return ImportOutcome(
                path.name, ImportStatus.FAILED, reason=f"unexpected error: {error}"
            )

    def _print_records(self, files: list[Path], one: bool) -> int:
        """The parser's JSON of each file; unreadable files are reported on stderr."""
        records, failed = [], 0
        for path in self._progress(files):
            try:
                records.append(source_read(path).record.to_json_dict())
            except AgendaFileError as error:
                failed += 1
                self.stderr.write(str(error))
        if records:
            self._print_json(records, one)
        return failed

    def _print_json(self, items: list[dict], one: bool) -> None:
        self.stdout.write(json.dumps(items[0] if one else items, indent=2, ensure_ascii=False))

    def _progress(self, files: list[Path]):
        return tqdm(
            files, desc="Agendas", unit="file", file=_BarStream(self.stderr), disable=len(files) < 2
        )

    # --- the report --------------------------------------------------------------------------

    def _print_report(self, outcomes: list[ImportOutcome], dry_run: bool) -> None:
        by_status = {status: [o for o in outcomes if o.status == status] for status in HEADINGS}
        for status, (done, planned) in HEADINGS.items():
            self._section(planned if dry_run else done, [_made(o) for o in by_status[status]])
        look = [o for o in outcomes if o.needs_a_look]
        self._section("Needs a human look", [_why(o) for o in look], self.style.WARNING)
        failed = [o for o in outcomes if o.status == ImportStatus.FAILED]
        self._section("Failed", [f"{o.file}: {o.reason}" for o in failed], self.style.ERROR)
        created, updated = (len(by_status[s]) for s in HEADINGS)
        summary = (
            f"{created} created, {updated} updated, {len(look)} need a human look, "
            f"{len(failed)} failed."
        )
        self.stdout.write(f"Dry run, nothing written: {summary}" if dry_run else summary)

    def _section(self, heading: str, lines: list[str], style=None) -> None:
        if not lines:
            return
        self.stdout.write((style or self.style.SUCCESS)(f"{heading} ({len(lines)}):"))
        for line in lines:
            self.stdout.write(f"  {line}")


def agenda_files(paths: list[str]) -> list[Path]:
    """The files named, and the agendas inside the folders named (sorted; Word's "~$" lock files
    and hidden files left out). A name that does not exist is kept: it is reported as failed."""
    files: list[Path] = []
    for name in paths:
        path = Path(name)
        if not path.is_dir():
            files.append(path)
            continue
        files.extend(
            found
            for found in sorted(path.rglob("*"))
            if found.is_file()
            and found.suffix.lower() in SUPPORTED_EXTENSIONS
            and not found.name.startswith(("~$", "."))
        )
    return files


def _program(slug: str | None) -> Program | None:
    if slug is None:
        return None
    program = Program.objects.filter(slug=slug).first()
    if program is None:
        known = ", ".join(Program.objects.order_by("slug").values_list("slug", flat=True))
        raise CommandError(f"No program {slug!r}; the programs are: {known or 'none yet'}.")
    return program


def _made(outcome: ImportOutcome) -> str:
    return f"{outcome.file}: {outcome.meeting.slug}" if outcome.meeting else outcome.file


def _why(outcome: ImportOutcome) -> str:
    reasons = [f"not imported, {outcome.reason}"] if outcome.status == ImportStatus.SKIPPED else []
    return f"{outcome.file}: " + "; ".join([*reasons, *outcome.warnings])


def _outcome_json(outcome: ImportOutcome) -> dict:
    return {
        "file": outcome.file,
        "status": outcome.status,
        "meeting": outcome.meeting.slug if outcome.meeting else None,
        "warnings": list(outcome.warnings),
        "reason": outcome.reason or None,
    }


class _BarStream:
    """tqdm writes carriage returns without line ends; the command's stderr wrapper would add
    one to each write."""

    def __init__(self, wrapper):
        self.wrapper = wrapper

    def write(self, text: str) -> None:
        self.wrapper.write(text, ending="")

    def flush(self) -> None:
        self.wrapper.flush()
