"""Import applications from CSV: DESIGN.md "Applications import (CSV) — Contract".

All or nothing. Every row is validated first (no writes), and every problem of every
row is reported as ``row N: field: message`` (the header is row 1). Only a file
without a single problem is written, in one transaction; a dry run validates, writes
inside a transaction and rolls it back, so it reports exactly what would happen.

The rules are the web form's: ``eligibility.eligibility_problems`` for who may apply,
``deadlines.is_on_time`` against the moment the city submitted (``submitted_at``).
Any cell may be hostile (formulas, HTML, NUL bytes, huge strings, undecodable bytes):
the outcome is a list of errors, never an exception.

The database is read a fixed number of times whatever the file's size (themes,
regions, the call's applications) and written with bulk queries.
"""

from __future__ import annotations

import csv
import io
import re
import typing
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.conf.locale import LANG_INFO
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import DataError, IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_countries import countries

from . import eligibility
from .deadlines import effective_deadline, is_on_time
from .models import (
    Application,
    ApplicationStatus,
    ApplicationTheme,
    Call,
    Municipality,
    Region,
    StatusChange,
    Theme,
)

# The contract's columns, in the order the export writes them.
COLUMNS = (
    "side", "city", "country", "population", "municipalities", "themes", "preferred_regions",
    "preferred_countries", "languages", "capacity", "contact_name", "contact_email",
    "motivation", "submitted_at",
)  # fmt: skip
REQUIRED_COLUMNS = ("side", "city", "country", "themes", "contact_name", "contact_email")

MAX_THEMES = 5
MAX_MEMBERS = 30  # as in the web form
MAX_POPULATION = 100_000_000  # per city or member, as in the web form; also a group's total
MAX_LIST_ITEMS = 300  # any list cell longer than this is nonsense (there are ~250 countries)
CAPACITIES = {"": 1, "1": 1, "2": 2}
# Cells starting with one of these are run as formulas by spreadsheets (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@")
# ISO 639-1 codes Django knows, plus Chinese (Django only has zh-hans/zh-hant), which
# the web form offers.
LANGUAGE_CODES = frozenset(code for code in LANG_INFO if len(code) == 2) | {"zh"}
# Applications an import must leave alone: decided, or holding a confirmed pairing.
CLOSED_STATUSES = frozenset(
    {ApplicationStatus.WITHDRAWN, ApplicationStatus.REJECTED, ApplicationStatus.PAIRED}
)
DIGITS = re.compile(r"[0-9]+")
# Bidirectional overrides and isolates: invisible and used to disguise text.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
BATCH_SIZE = 500

UPDATE_FIELDS = [
    "status", "city_name", "is_group", "population", "contact_name", "contact_email",
    "motivation", "preferred_countries", "languages", "partners_wanted", "submitted_at",
    "late_override", "has_eligibility_problems", "commits_to_18_months", "updated_at",
]  # fmt: skip


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    rows: int = 0
    errors: list[str] = field(default_factory=list)  # "row 3: …"; empty when imported
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        """One line for people: "12 rows: 10 created, 2 updated", "dry run: …", or failure."""
        if self.errors:
            return ngettext(
                "%(count)d error: nothing was imported.",
                "%(count)d errors: nothing was imported.",
                len(self.errors),
            ) % {"count": len(self.errors)}
        counts = ngettext(
            "%(rows)d row: %(created)d created, %(updated)d updated",
            "%(rows)d rows: %(created)d created, %(updated)d updated",
            self.rows,
        ) % {"rows": self.rows, "created": self.created, "updated": self.updated}
        if self.dry_run:
            return _("dry run: %(counts)s (nothing was written)") % {"counts": counts}
        return counts


def import_applications_csv(
    stream: typing.TextIO | str,
    *,
    call: Call,
    accept: bool = False,
    dry_run: bool = False,
    allow_late: bool = False,
    by=None,
) -> ImportReport:
    """Validate a whole CSV file, then import all of it or nothing (see the module doc)."""
    report = ImportReport(dry_run=dry_run)
    try:
        text = stream if isinstance(stream, str) else stream.read()
    except UnicodeDecodeError as error:
        report.errors.append(
            _("The file is not UTF-8 text (%(reason)s): save it as “CSV UTF-8” and try again.")
            % {"reason": _show(str(error), limit=120, quote=False)}
        )
        return report
    if not isinstance(text, str):
        report.errors.append(_("The file must be given as text, not bytes."))
        return report

    records, error = _read_records(text.removeprefix("\ufeff"))
    if error:
        report.errors.append(error)
        return report
    if not records:
        report.errors.append(f"row 1: {_('the file is empty: a header row is required')}")
        return report
    header_number, header = records[0]
    columns, header_errors = _read_header(header)
    report.rows = len(records) - 1
    if header_errors:
        report.errors = [f"row {header_number}: {message}" for message in header_errors]
        return report

    now = timezone.now()
    context = _Context.load(call, columns=set(columns), now=now, allow_late=allow_late)
    rows: list[_Row] = []
    for number, cells in records[1:]:
        row, errors = _validate_row(number, cells, columns, context)
        report.errors.extend(errors)
        if row is not None:
            rows.append(row)
    if report.errors:
        return report

    report.created = sum(1 for row in rows if row.existing_pk is None)
    report.updated = len(rows) - report.created
    try:
        with transaction.atomic():
            _write(rows, call=call, accept=accept, by=by, context=context)
            if dry_run:
                transaction.set_rollback(True)
    except _Conflict as conflict:
        report.errors = conflict.errors
    except (IntegrityError, DataError) as error:
        report.errors = [
            _(
                "The file could not be saved: it conflicts with applications saved meanwhile "
                "(%(reason)s). Nothing was imported; try again."
            )
            % {
                "reason": _show(
                    str(error).splitlines()[0] if str(error) else "", limit=200, quote=False
                )
            }
        ]
    if report.errors:
        report.created = report.updated = 0
    return report


# --- Reading the file ------------------------------------------------------------


def _read_records(text: str) -> tuple[list[tuple[int, list[str]]], str | None]:
    """The non-blank records with their row numbers (blank rows count, as in a spreadsheet)."""
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(text), strict=True)
    records = []
    number = 0
    try:
        for number, record in enumerate(reader, start=1):  # noqa: B007
            if any(cell.strip() for cell in record):
                records.append((number, record))
    except csv.Error as error:
        return [], f"row {number + 1}: " + _("the file is not valid CSV (%(reason)s)") % {
            "reason": _show(str(error), limit=120, quote=False)
        }
    return records, None


def _delimiter(text: str) -> str:
    """Comma, or what the header row uses instead (European spreadsheets write ';')."""
    first = next((line for line in io.StringIO(text) if line.strip()), "")
    counts = {delimiter: first.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _read_header(header: list[str]) -> tuple[list[str], list[str]]:
    columns = [name.strip().lower() for name in header]
    errors = []
    seen = set()
    for position, name in enumerate(columns, start=1):
        if not name:
            errors.append(_("column %(position)d has no name") % {"position": position})
        elif name not in COLUMNS:
            errors.append(_("unknown column %(name)s") % {"name": _show(name)})
        elif name in seen:
            errors.append(_("column %(name)s appears more than once") % {"name": _show(name)})
        seen.add(name)
    for name in REQUIRED_COLUMNS:
        if name not in seen:
            errors.append(_("missing column %(name)s") % {"name": _show(name)})
    if "population" not in seen and "municipalities" not in seen:
        errors.append(
            _("missing column %(name)s (required unless municipalities is given)")
            % {"name": _show("population")}
        )
    return columns, errors


# --- Validating rows -------------------------------------------------------------


class _Invalid(Exception):
    def __init__(self, *messages: str):
        super().__init__(*messages)
        self.messages = messages


class _Conflict(Exception):
    def __init__(self, errors: list[str]):
        super().__init__(errors)
        self.errors = errors


@dataclass
class _Context:
    """What validation needs from the database, read once per file."""

    call: Call
    columns: set[str]
    now: datetime
    allow_late: bool
    themes: dict[str, Theme]
    offered_themes: set[str]
    regions: dict[str, Region]
    country_codes: frozenset[str]
    partner_countries: frozenset[str]
    existing: dict[tuple[str, str, str], list[Application]]
    seen: dict[tuple[str, str, str], int] = field(default_factory=dict)

    @classmethod
    def load(cls, call: Call, *, columns: set[str], now: datetime, allow_late: bool):
        themes = {theme.slug: theme for theme in Theme.objects.all()}
        offered = set(call.themes.filter(is_active=True).values_list("slug", flat=True))
        if not offered:  # as the web form: a call without a list offers every active theme
            offered = {slug for slug, theme in themes.items() if theme.is_active}
        existing: dict[tuple[str, str, str], list[Application]] = {}
        for application in Application.objects.filter(call=call).only(
            "pk", "side", "country", "city_name", "status", "submitted_at", "extension_until"
        ):
            key = (application.side, application.country.code, application.city_name.lower())
            existing.setdefault(key, []).append(application)
        return cls(
            call=call,
            columns=columns,
            now=now,
            allow_late=allow_late,
            themes=themes,
            offered_themes=offered,
            regions={region.slug: region for region in Region.objects.all()},
            country_codes=frozenset(code for code, _name in countries),
            partner_countries=call.partner_country_codes,
            existing=existing,
        )


@dataclass
class _Row:
    number: int
    side: str
    city: str
    country: str
    population: int | None
    members: list[tuple[str, int]]
    themes: list[Theme]
    regions: list[Region] | None  # None: the column is absent, keep what is there
    preferred_countries: list[str] | None
    languages: list[str] | None
    capacity: int | None
    contact_name: str
    contact_email: str
    motivation: str | None
    submitted_at: datetime
    late: bool
    existing_pk: int | None


_MISSING = object()


def _validate_row(number: int, record: list[str], columns: list[str], context: _Context):
    errors: list[str] = []
    if len(record) > len(columns) and any(cell.strip() for cell in record[len(columns) :]):
        errors.append(
            f"row {number}: "
            + _("has %(cells)d cells but the header has %(columns)d columns")
            % {"cells": len(record), "columns": len(columns)}
        )
    cells = {name: (record[i] if i < len(record) else "").strip() for i, name in enumerate(columns)}

    def value(name: str, parser, *, multiline: bool = False):
        raw = cells.get(name, "")
        if name not in cells and name not in REQUIRED_COLUMNS:
            return None  # absent optional column
        bad = _bad_character(raw, multiline=multiline)
        if bad:
            errors.append(f"row {number}: {name}: {bad}")
            return _MISSING
        try:
            return parser(raw)
        except _Invalid as invalid:
            errors.extend(f"row {number}: {name}: {message}" for message in invalid.messages)
            return _MISSING

    call = context.call
    side = value("side", _parse_side)
    city = value("city", lambda raw: _parse_text(raw, "city_name", required=True))
    country = value("country", lambda raw: _parse_country(raw, context.country_codes))
    population = value("population", lambda raw: _parse_count(raw, required=False))
    members = value("municipalities", _parse_members)
    themes = value("themes", lambda raw: _parse_themes(raw, context))
    regions = value("preferred_regions", lambda raw: _parse_regions(raw, context.regions))
    preferred = value(
        "preferred_countries", lambda raw: _parse_countries(raw, context.country_codes)
    )
    languages = value("languages", _parse_languages)
    capacity = value("capacity", _parse_capacity)
    contact_name = value(
        "contact_name", lambda raw: _parse_text(raw, "contact_name", required=True)
    )
    contact_email = value("contact_email", _parse_email)
    motivation = value("motivation", lambda raw: _parse_text(raw, "motivation"), multiline=True)
    submitted_at = value("submitted_at", lambda raw: _parse_moment(raw, context.now))

    def problem(field_name: str, message: str) -> None:
        errors.append(f"row {number}: {field_name}: {message}")

    # Side and country agree: EU member states apply as EU cities, every other as partner.
    if side is not _MISSING and country is not _MISSING:
        expected = eligibility.side_for(country)
        if side != expected:
            problem(
                "side",
                _("%(country)s is an EU member state: the side must be 'eu'") % {"country": country}
                if expected == eligibility.EU
                else _("%(country)s is not an EU member state: the side must be 'partner'")
                % {"country": country},
            )

    # Size: a single city's population, or a group's members (whose total counts).
    size_known = population is not _MISSING and members is not _MISSING
    members = members if isinstance(members, list) else []
    if size_known:
        if members:
            total = sum(member_population for _name, member_population in members)
            if population is not None and population != total:
                problem(
                    "population",
                    _(
                        "%(population)s differs from the municipalities' total of %(total)s: "
                        "leave it empty for a group"
                    )
                    % {"population": population, "total": total},
                )
                size_known = False
            elif total > MAX_POPULATION:
                problem(
                    "municipalities",
                    _("the total of %(total)s inhabitants is not plausible")
                    % {"total": number_format(total, force_grouping=True)},
                )
                size_known = False
            population = total
        elif population is None:
            problem("population", _("required unless municipalities is given"))
            size_known = False

    # The web form's eligibility rules, with this call's minimum and partner countries.
    rule_args = {
        "min_population": call.min_population,
        "partner_countries": context.partner_countries,
    }
    size_args = {
        "is_group": bool(members),
        "population": population,
        "member_populations": [p for _name, p in members],
    }
    if country is not _MISSING and size_known:
        problems = eligibility.eligibility_problems(country=country, **size_args, **rule_args)
    elif country is not _MISSING:
        problems = eligibility.country_problems(
            country=country, partner_countries=rule_args["partner_countries"]
        )
    elif size_known:
        problems = eligibility.population_problems(
            **size_args, min_population=rule_args["min_population"]
        )
    else:
        problems = []
    for rule in problems:
        problem(rule.field, rule.message)

    # Which application the row is: a new one, or one to update (never twice per file).
    existing = None
    if _MISSING not in (side, city, country):
        key = (side, country, city.lower())
        if key in context.seen:
            problem(
                "city",
                _("%(city)s (%(country)s) is already on row %(row)d")
                % {"city": _show(city), "country": country, "row": context.seen[key]},
            )
        else:
            context.seen[key] = number
        matches = context.existing.get(key, [])
        if len(matches) > 1:
            problem(
                "city",
                _("%(city)s (%(country)s) matches several applications of this call")
                % {"city": _show(city), "country": country},
            )
        elif matches:
            existing = matches[0]
            if existing.status in CLOSED_STATUSES:
                problem(
                    "city",
                    _(
                        "the application of %(city)s (%(country)s) is %(status)s: an import "
                        "cannot change it"
                    )
                    % {
                        "city": _show(existing.city_name),
                        "country": country,
                        "status": existing.get_status_display().lower(),
                    },
                )

    # The deadline, against the moment the city submitted.
    late = False
    if submitted_at is not _MISSING:
        if submitted_at is None:
            submitted_at = (existing.submitted_at if existing else None) or context.now
        deadline = effective_deadline(
            call.closes_at, existing.extension_until if existing else None
        )
        late = not is_on_time(submitted_at, deadline)
        if late and not context.allow_late:
            shown = cells.get("submitted_at") or submitted_at.astimezone(call.tz).isoformat()
            errors.append(
                f"row {number}: "
                + _(
                    "submitted_at %(value)s is after the deadline (%(deadline)s, %(tz)s); "
                    "allow late entries (--allow-late) to import it anyway"
                )
                % {
                    "value": _show(shown, quote=False),
                    "deadline": call.last_minute.strftime("%Y-%m-%d %H:%M"),
                    "tz": call.time_zone,
                }
            )

    if errors:
        return None, errors
    return (
        _Row(
            number=number,
            side=side,
            city=city,
            country=country,
            population=population,
            members=members,
            themes=themes,
            regions=regions,
            preferred_countries=preferred,
            languages=languages,
            capacity=capacity,
            contact_name=contact_name,
            contact_email=contact_email,
            motivation=motivation,
            submitted_at=submitted_at,
            late=late,
            existing_pk=existing.pk if existing else None,
        ),
        [],
    )


def _bad_character(raw: str, *, multiline: bool) -> str | None:
    for char in raw:
        if char in "\t\n\r":
            if multiline:
                continue
            return _("must be on a single line")
        category = unicodedata.category(char)
        if category in {"Cc", "Cs"} or char in BIDI_CONTROLS:
            return _("contains a character that is not allowed (U+%(code)04X)") % {
                "code": ord(char)
            }
    return None


def _items(raw: str) -> list[str]:
    items = [item.strip() for item in raw.split("|")]
    items = [item for item in items if item]
    if len(items) > MAX_LIST_ITEMS:
        raise _Invalid(_("too many values (%(count)d)") % {"count": len(items)})
    return items


def _listing(items: list[str]) -> dict:
    """``{"items": "'a', 'b'"}`` for a message, the first five items only."""
    shown = ", ".join(_show(item) for item in items[:5])
    if len(items) > 5:
        shown += " " + _("and %(count)d more") % {"count": len(items) - 5}
    return {"items": shown}


def _parse_side(raw: str) -> str:
    side = raw.lower()
    if not side:
        raise _Invalid(_("required"))
    if side not in {eligibility.EU, eligibility.PARTNER}:
        raise _Invalid(_("must be 'eu' or 'partner', not %(value)s") % {"value": _show(raw)})
    return side


def _parse_text(raw: str, model_field: str, *, required: bool = False) -> str:
    if not raw:
        if required:
            raise _Invalid(_("required"))
        return ""
    limit = Application._meta.get_field(model_field).max_length
    if len(raw) > limit:
        raise _Invalid(
            _("is %(length)d characters long; at most %(limit)d")
            % {"length": len(raw), "limit": limit}
        )
    _refuse_formula(raw)
    return raw


def _refuse_formula(raw: str) -> None:
    if raw.startswith(FORMULA_PREFIXES):
        raise _Invalid(
            _("must not start with %(char)s (a spreadsheet would run it as a formula)")
            % {"char": _show(raw[0])}
        )


def _parse_country(raw: str, known: frozenset[str]) -> str:
    code = raw.upper()
    if not code:
        raise _Invalid(_("required"))
    if code not in known:
        raise _Invalid(
            _("unknown country code %(value)s (use ISO 3166-1 alpha-2, e.g. NL)")
            % {"value": _show(raw)}
        )
    return code


def _parse_count(raw: str, *, required: bool) -> int | None:
    if not raw:
        if required:
            raise _Invalid(_("required"))
        return None
    if not DIGITS.fullmatch(raw):
        raise _Invalid(_("must be a whole number"))
    if len(raw) > 12 or int(raw) > MAX_POPULATION:
        raise _Invalid(
            _("must be at most %(maximum)s")
            % {"maximum": number_format(MAX_POPULATION, force_grouping=True)}
        )
    count = int(raw)
    if count < 1:
        raise _Invalid(_("must be a positive whole number"))
    return count


def _parse_members(raw: str) -> list[tuple[str, int]]:
    members: list[tuple[str, int]] = []
    messages: list[str] = []
    items = _items(raw)
    if len(items) > MAX_MEMBERS:
        raise _Invalid(_("at most %(count)d municipalities") % {"count": MAX_MEMBERS})
    for position, item in enumerate(items, start=1):
        name, equals, figure = item.rpartition("=")
        name, figure = name.strip(), figure.strip()
        if not equals or not name:
            messages.append(
                _("member %(position)d (%(value)s) must be written Name=population")
                % {"position": position, "value": _show(item)}
            )
            continue
        try:
            name = _parse_text(name, "city_name")
            population = _parse_count(figure, required=True)
        except _Invalid as invalid:
            messages.extend(
                _("member %(position)d (%(name)s): %(message)s")
                % {"position": position, "name": _show(name), "message": message}
                for message in invalid.messages
            )
            continue
        members.append((name, population))
    names = [name.lower() for name, _population in members]
    if len(names) != len(set(names)):
        messages.append(_("a municipality is listed twice"))
    if messages:
        raise _Invalid(*messages)
    return members


def _parse_themes(raw: str, context: _Context) -> list[Theme]:
    slugs = [slug.lower() for slug in _items(raw)]
    if not slugs:
        raise _Invalid(_("required: 1 to %(max)d theme slugs") % {"max": MAX_THEMES})
    if len(slugs) > MAX_THEMES:
        raise _Invalid(
            _("at most %(max)d themes, not %(count)d") % {"max": MAX_THEMES, "count": len(slugs)}
        )
    messages = []
    unknown = [slug for slug in slugs if slug not in context.themes]
    if unknown:
        messages.append(
            ngettext("unknown theme %(items)s", "unknown themes %(items)s", len(unknown))
            % _listing(unknown)
        )
    not_offered = [
        slug for slug in slugs if slug in context.themes and slug not in context.offered_themes
    ]
    if not_offered:
        messages.append(
            ngettext(
                "theme %(items)s is not offered by this call",
                "themes %(items)s are not offered by this call",
                len(not_offered),
            )
            % _listing(not_offered)
        )
    twice = sorted({slug for slug in slugs if slugs.count(slug) > 1})
    if twice:
        messages.append(
            ngettext(
                "theme %(items)s is listed twice", "themes %(items)s are listed twice", len(twice)
            )
            % _listing(twice)
        )
    if messages:
        raise _Invalid(*messages)
    return [context.themes[slug] for slug in slugs]


def _parse_regions(raw: str, regions: dict[str, Region]) -> list[Region]:
    slugs = list(dict.fromkeys(slug.lower() for slug in _items(raw)))
    unknown = [slug for slug in slugs if slug not in regions]
    if unknown:
        raise _Invalid(
            ngettext("unknown region %(items)s", "unknown regions %(items)s", len(unknown))
            % _listing(unknown)
        )
    return [regions[slug] for slug in slugs]


def _parse_countries(raw: str, known: frozenset[str]) -> list[str]:
    codes = list(dict.fromkeys(code.upper() for code in _items(raw)))
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise _Invalid(
            ngettext(
                "unknown country code %(items)s", "unknown country codes %(items)s", len(unknown)
            )
            % _listing(unknown)
        )
    return codes


def _parse_languages(raw: str) -> list[str]:
    codes = list(dict.fromkeys(code.lower() for code in _items(raw)))
    unknown = [code for code in codes if code not in LANGUAGE_CODES]
    if unknown:
        raise _Invalid(
            ngettext(
                "unknown language code %(items)s (use ISO 639-1, e.g. en)",
                "unknown language codes %(items)s (use ISO 639-1, e.g. en)",
                len(unknown),
            )
            % _listing(unknown)
        )
    return codes


def _parse_capacity(raw: str) -> int:
    if raw not in CAPACITIES:
        raise _Invalid(_("must be 1 or 2 (partner cities wanted)"))
    return CAPACITIES[raw]


def _parse_email(raw: str) -> str:
    if not raw:
        raise _Invalid(_("required"))
    limit = Application._meta.get_field("contact_email").max_length
    if len(raw) > limit:
        raise _Invalid(
            _("is %(length)d characters long; at most %(limit)d")
            % {"length": len(raw), "limit": limit}
        )
    try:
        EmailValidator()(raw)
    except ValidationError:
        message = _("%(value)s is not a valid e-mail address") % {"value": _show(raw)}
        raise _Invalid(message) from None
    _refuse_formula(raw)
    return raw


def _parse_moment(raw: str, now: datetime) -> datetime | None:
    if not raw:
        return None
    example = "2019-03-08T23:59:59+01:00"
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise _Invalid(
            _("%(value)s is not an ISO 8601 date and time, e.g. %(example)s")
            % {"value": _show(raw), "example": example}
        ) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise _Invalid(
            _("%(value)s has no UTC offset: write it as e.g. %(example)s")
            % {"value": _show(raw), "example": example}
        )
    try:
        moment = moment.astimezone(UTC)
    except (OverflowError, ValueError):
        raise _Invalid(_("%(value)s is out of range") % {"value": _show(raw)}) from None
    if moment > now:
        raise _Invalid(_("%(value)s is in the future") % {"value": _show(raw)})
    return moment


def _show(value: str, *, limit: int = 40, quote: bool = True) -> str:
    """A cell's value fit to quote in a message: short, one line, every character visible."""
    shown = value if len(value) <= limit else value[:limit] + "…"
    shown = "".join(
        f"\\u{ord(char):04x}"
        if unicodedata.category(char) in {"Cc", "Cs", "Cf", "Zl", "Zp"}
        else char
        for char in shown
    )
    return f"'{shown}'" if quote else shown


# --- Writing ---------------------------------------------------------------------


def _write(rows: list[_Row], *, call: Call, accept: bool, by, context: _Context) -> None:
    """Create and update every row's application, its themes, members and regions."""
    user = by if getattr(by, "pk", None) else None
    now = timezone.now()
    note = _("Imported from a CSV file")
    late_note = _("Imported from a CSV file; late, imported by staff decision")

    # Lock the applications to update and check again that they may still change.
    update_pks = [row.existing_pk for row in rows if row.existing_pk is not None]
    current = Application.objects.select_for_update().in_bulk(update_pks)
    conflicts = []
    for row in rows:
        if row.existing_pk is None:
            continue
        application = current.get(row.existing_pk)
        if application is None or application.status in CLOSED_STATUSES:
            conflicts.append(
                f"row {row.number}: city: "
                + _("%(city)s (%(country)s) was withdrawn, rejected or deleted meanwhile")
                % {"city": _show(row.city), "country": row.country}
            )
    if conflicts:
        raise _Conflict(conflicts)

    planned: list[tuple[_Row, Application, list[tuple[str, str]]]] = []
    for row in rows:
        if row.existing_pk is None:
            application = Application(call=call, owner=None, side=row.side, country=row.country)
            previous = ""
        else:
            application = current[row.existing_pk]
            previous = application.status
            application.updated_at = now  # bulk_update skips auto_now
        steps = []
        if previous in {"", ApplicationStatus.DRAFT}:
            steps.append((previous, ApplicationStatus.SUBMITTED))
        if accept and previous != ApplicationStatus.ACCEPTED:
            steps.append((ApplicationStatus.SUBMITTED, ApplicationStatus.ACCEPTED))
        if steps:
            application.status = steps[-1][1]
        _apply(row, application)
        planned.append((row, application, steps))

    created = [application for row, application, _steps in planned if row.existing_pk is None]
    updated = [application for row, application, _steps in planned if row.existing_pk]
    if connection.features.can_return_rows_from_bulk_insert:
        Application.objects.bulk_create(created, batch_size=BATCH_SIZE)
        Application.history.bulk_history_create(
            created, batch_size=BATCH_SIZE, default_user=user, default_change_reason=note
        )
    else:  # no ids back from a bulk insert: save one by one (history follows the save)
        for application in created:
            application.save()
    if updated:
        _update_all(updated)
        Application.history.bulk_history_create(
            updated,
            batch_size=BATCH_SIZE,
            update=True,
            default_user=user,
            default_change_reason=note,
        )

    StatusChange.objects.bulk_create(
        [
            StatusChange(
                application=application,
                from_status=from_status,
                to_status=to_status,
                by=user,
                at=now,
                note=(late_note if row.late else note)[:500],
            )
            for row, application, steps in planned
            for from_status, to_status in steps
        ],
        batch_size=BATCH_SIZE,
    )

    # Themes and members always come from the row; regions when the column is there.
    updated_pks = [application.pk for application in updated]
    ApplicationTheme.objects.filter(application_id__in=updated_pks).delete()
    Municipality.objects.filter(application_id__in=updated_pks).delete()
    ApplicationTheme.objects.bulk_create(
        [
            ApplicationTheme(application=application, theme=theme, priority=priority)
            for row, application, _steps in planned
            for priority, theme in enumerate(row.themes, start=1)
        ],
        batch_size=BATCH_SIZE,
    )
    Municipality.objects.bulk_create(
        [
            Municipality(
                application=application, name=name, population=population, position=position
            )
            for row, application, _steps in planned
            for position, (name, population) in enumerate(row.members)
        ],
        batch_size=BATCH_SIZE,
    )
    through = Application.preferred_regions.through
    if "preferred_regions" in context.columns:
        through.objects.filter(application_id__in=updated_pks).delete()
        through.objects.bulk_create(
            [
                through(application_id=application.pk, region_id=region.pk)
                for row, application, _steps in planned
                for region in row.regions or []
            ],
            batch_size=BATCH_SIZE,
        )


def _update_all(applications: list[Application]) -> None:
    """Save UPDATE_FIELDS of every application in one ``executemany``.

    QuerySet.bulk_update builds a CASE WHEN per row and field: seconds of Python for
    1,000 rows. The values go through each field's own get_db_prep_save, as save() does.
    """
    model_fields = [Application._meta.get_field(name) for name in UPDATE_FIELDS]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(model_field.column)} = %s" for model_field in model_fields)
    table, pk = quote(Application._meta.db_table), quote(Application._meta.pk.column)
    # Identifiers only come from the model's own metadata; every value is a parameter.
    sql = f"UPDATE {table} SET {assignments} WHERE {pk} = %s"  # noqa: S608
    params = [
        [
            model_field.get_db_prep_save(getattr(application, model_field.attname), connection)
            for model_field in model_fields
        ]
        + [application.pk]
        for application in applications
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _apply(row: _Row, application: Application) -> None:
    """Copy a row onto its application; an absent optional column leaves the value."""
    application.side = row.side
    application.country = row.country
    application.city_name = row.city
    application.is_group = bool(row.members)
    application.population = row.population
    application.contact_name = row.contact_name
    application.contact_email = row.contact_email
    if row.motivation is not None:
        application.motivation = row.motivation
    if row.preferred_countries is not None:
        application.preferred_countries = row.preferred_countries
    if row.languages is not None:
        application.languages = row.languages
    if row.capacity is not None:
        application.partners_wanted = row.capacity
    application.submitted_at = row.submitted_at
    application.late_override = row.late
    application.has_eligibility_problems = False
    application.commits_to_18_months = True
