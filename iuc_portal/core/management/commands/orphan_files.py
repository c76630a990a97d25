"""Report (and with --delete remove) stored files no record points at."""

import time

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand

from iuc_portal.core.files import referenced_file_names, stored_file_names


class Command(BaseCommand):
    help = (
        "List uploaded or generated files in private storage that no record refers to "
        "(left by replaced documents or interrupted uploads); --delete removes them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--delete", action="store_true", help="remove the orphan files")
        parser.add_argument(
            "--min-age-minutes", type=int, default=60,
            help="ignore files younger than this (an upload may still be committing)",
        )

    def handle(self, *args, delete=False, min_age_minutes=60, **options):
        referenced = referenced_file_names()
        cutoff = time.time() - min_age_minutes * 60
        orphans = []
        for name in sorted(stored_file_names(default_storage)):
            if name in referenced:
                continue
            try:
                modified = default_storage.get_modified_time(name).timestamp()
                size = default_storage.size(name)
            except OSError:
                continue
            if modified > cutoff:
                continue
            orphans.append((name, size))
        total = sum(size for _, size in orphans)
        for name, size in orphans:
            self.stdout.write(f"{name}\t{size}")
            if delete:
                default_storage.delete(name)
        verb = "removed" if delete else "found"
        self.stdout.write(f"{len(orphans)} orphan file(s) {verb}, {total} bytes.")
