"""Applicant-facing pages ship complete Spanish, Portuguese and French translations."""

from pathlib import Path

import polib
import pytest
from django.utils import translation

LOCALE = Path(__file__).resolve().parents[1] / "locale"


@pytest.mark.parametrize("language", ["es", "pt", "fr"])
def test_catalogue_has_no_untranslated_or_fuzzy_entry(language):
    catalogue = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    missing = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert not missing, f"{language}: untranslated {missing[:10]}"
    assert not fuzzy, f"{language}: fuzzy {fuzzy[:10]}"


@pytest.mark.parametrize("language", ["es", "pt", "fr"])
def test_every_plural_has_as_many_forms_as_the_language_needs(language):
    """Spanish has three (one, millions, other): a missing form falls back to English."""
    catalogue = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    needed = int(catalogue.metadata["Plural-Forms"].split("nplurals=")[1].split(";")[0])
    short = [entry.msgid for entry in catalogue if entry.msgid_plural and not entry.obsolete
             and sorted(entry.msgstr_plural) != list(range(needed))]
    assert not short, f"{language}: {short[:10]}"


@pytest.mark.parametrize(
    ("language", "expected"),
    [("es", "Convocatorias abiertas"), ("pt", "Convites abertos"),
     ("fr", "Appels à candidatures ouverts")],
)
def test_compiled_catalogue_is_used_at_run_time(language, expected):
    with translation.override(language):
        assert translation.gettext("Open calls") == expected


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "joiner"), [("es", " de "), ("pt", " de "), ("fr", " à ")])
def test_deadline_reads_naturally_in_each_language(client, language, joiner):
    from tests.factories import CallFactory

    CallFactory(name="Demo")
    client.cookies["django_language"] = language
    html = client.get("/").content.decode()
    assert joiner in html.split('data-local-time>')[1].split("</time>")[0]


def test_portuguese_reads_naturally_to_brazilian_officials_too():
    catalogue = polib.pofile(str(LOCALE / "pt" / "LC_MESSAGES" / "django.po"))
    european_only = ("ficheiro", "equipa", "utilizador", "contacto", "descarregar")
    found = [
        (word, entry.msgid)
        for entry in catalogue
        for text in [entry.msgstr, *entry.msgstr_plural.values()]
        for word in european_only
        if word in text.lower()
    ]
    assert not found, found[:5]
