"""``manage.py import_applications FILE.csv --call SLUG [--accept] [--dry-run] [--allow-late]``.

All or nothing (DESIGN.md "Applications import (CSV) — Contract"): the summary goes to
stdout; every error to stderr, one a line, and the command exits non-zero.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from applications.importing import import_applications_csv
from applications.models import Call


class Command(BaseCommand):
    help = _(
        "Import applications from a UTF-8 CSV file into a call: all rows or none. "
        "Re-importing a city updates its application."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE.csv", help=_("the CSV file (UTF-8)"))
        parser.add_argument("--call", required=True, metavar="SLUG", help=_("the call's slug"))
        parser.add_argument(
            "--accept",
            action="store_true",
            help=_("import the applications as accepted, ready for matching"),
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=_("check the file and report what would happen, without writing"),
        )
        parser.add_argument(
            "--allow-late",
            action="store_true",
            help=_("import rows submitted after the deadline, recording the override"),
        )

    def handle(self, *args, file, call, accept, dry_run, allow_late, **options):
        call_object = Call.objects.filter(slug=call).first()
        if call_object is None:
            known = ", ".join(Call.objects.order_by("slug").values_list("slug", flat=True))
            raise CommandError(
                _("Unknown call “%(slug)s” (known calls: %(known)s).")
                % {"slug": call, "known": known or "—"}
            )
        try:
            # utf-8-sig: a byte order mark (as Excel writes) is fine.
            with open(file, encoding="utf-8-sig", newline="") as stream:
                text = stream.read()
        except UnicodeDecodeError as error:
            raise CommandError(
                _(
                    "%(file)s is not UTF-8 text (invalid byte at position %(position)d): "
                    "save it as “CSV UTF-8” and try again."
                )
                % {"file": file, "position": error.start}
            ) from None
        except OSError as error:
            raise CommandError(
                _("Cannot read %(file)s: %(reason)s") % {"file": file, "reason": error.strerror}
            ) from None

        report = import_applications_csv(
            text, call=call_object, accept=accept, dry_run=dry_run, allow_late=allow_late
        )
        if not report.ok:
            for error in report.errors:
                self.stderr.write(error)
            raise CommandError(report.summary())
        self.stdout.write(report.summary())
