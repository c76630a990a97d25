import json

from django.core.management.base import BaseCommand, CommandError

from applications.models import Call
from pairings import matching, services


def pair_argument(value: str) -> tuple[int, int]:
    try:
        eu, partner = value.split(":")
        return int(eu), int(partner)
    except ValueError as error:
        raise CommandError(f"{value!r} is not EU_ID:PARTNER_ID (two application ids)") from error


class Command(BaseCommand):
    help = "Suggest the best EU ↔ partner pairing of a call (JSON on stdout, DESIGN.md contract)."

    def add_arguments(self, parser):
        parser.add_argument("--call", required=True, help="the call's slug")
        parser.add_argument("--objective", choices=matching.OBJECTIVES, default="max-total")
        parser.add_argument("--lock", action="append", default=[], metavar="EU_ID:PARTNER_ID")
        parser.add_argument("--forbid", action="append", default=[], metavar="EU_ID:PARTNER_ID")
        parser.add_argument("--min-score", type=float, default=None)
        parser.add_argument(
            "--preferences",
            choices=matching.PREFERENCES,
            default=None,
            help="strict: stated preferred regions/countries restrict the candidates; "
            "relaxed: a pair outside them costs a penalty (default: the call's setting)",
        )
        parser.add_argument("--include-submitted", action="store_true")
        parser.add_argument("--with-candidates", action="store_true")
        parser.add_argument("--format", choices=["json", "table"], default="json")

    def handle(self, *args, **options):
        try:
            call = Call.objects.get(slug=options["call"])
        except Call.DoesNotExist as error:
            raise CommandError(f"No call with the slug {options['call']!r}") from error
        try:
            outcome = services.run_matching(
                call=call,
                objective=options["objective"],
                min_score=options["min_score"],
                locks=[pair_argument(v) for v in options["lock"]],
                forbids=[pair_argument(v) for v in options["forbid"]],
                include_submitted=options["include_submitted"],
                with_candidates=options["with_candidates"],
                preferences=options["preferences"],
            )
        except matching.MatchingConflict as conflict:
            raise CommandError(f"Impossible request: {conflict}") from conflict
        except services.PairingError as error:
            raise CommandError(error.message) from error
        document = outcome.document
        if options["format"] == "json":
            self.stdout.write(json.dumps(document, ensure_ascii=False, indent=2))
            return
        self.stdout.write(
            f"{document['call']} · {document['objective']} · {document['preferences']}"
            f" · total {document['total_score']:.3f}"
            f" · lowest {document['min_pair_score'] or 0:.3f}"
        )
        for pair in document["pairs"]:
            eu, partner = pair["eu"], pair["partner"]
            lock = " (locked)" if pair["locked"] else ""
            notes = "".join(f"; {note}" for note in pair.get("notes", []) if "locked" not in note)
            self.stdout.write(
                f"{pair['score']:.3f}  {eu['city']} ({eu['country']}) ↔ "
                f"{partner['city']} ({partner['country']}){lock}  "
                f"[{', '.join(pair['shared_themes'])}]{notes}"
            )
        for city in document["unmatched"]:
            self.stdout.write(
                f"unmatched  {city['city']} ({city['country']}, {city['side']}): {city['reason']}"
            )
