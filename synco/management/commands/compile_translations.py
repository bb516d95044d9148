"""Compile locale/<language>/LC_MESSAGES/django.po into the .mo Django reads, with Babel: no GNU gettext needed.

Django's own `compilemessages` needs GNU gettext's msgfmt, which a fresh machine may not have; this writes the same
catalogues with Babel (already a dependency, for money). The compiled .mo files are committed, so a fresh clone
serves every shipped language without running anything; run this after editing a .po file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


def compile_catalogues(root: Path) -> list[Path]:
    """Every `<language>/LC_MESSAGES/django.po` under `root` compiled next to it; the .mo files written."""
    written = []
    for po_path in sorted(root.glob("*/LC_MESSAGES/django.po")):
        with po_path.open("rb") as po_file:
            catalogue = read_po(po_file, locale=po_path.parent.parent.name)
        mo_path = po_path.with_suffix(".mo")
        with mo_path.open("wb") as mo_file:
            # Fuzzy entries are left out, as msgfmt does: a guess is not a translation.
            write_mo(mo_file, catalogue, use_fuzzy=False)
        written.append(mo_path)
    return written


class Command(BaseCommand):
    help = "Compile every locale/*/LC_MESSAGES/django.po into its .mo with Babel (no GNU gettext needed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--locale-dir", default="", help="Where the catalogues are (default: LOCALE_PATHS)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        roots = (
            [Path(options["locale_dir"])]
            if options["locale_dir"]
            else [Path(p) for p in settings.LOCALE_PATHS]
        )
        written = [path for root in roots for path in compile_catalogues(root)]
        if not written:
            raise CommandError(f"No django.po under {', '.join(str(root) for root in roots)}.")
        for path in written:
            self.stdout.write(f"compiled {path}")
