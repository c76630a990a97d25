"""Explanations of the engine's answers in the reader's language (interface helpers).

The engine speaks in codes and English notes; staff and cities read these sentences.
"""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_countries import countries

from applications.models import Region, Theme

from . import matching


def _region_names(slugs) -> list[str]:
    names = dict(Region.objects.filter(slug__in=list(slugs)).values_list("slug", "name"))
    return [_(names.get(slug, slug)) for slug in slugs]


def outside_text(city: str, regions, countries_) -> str:
    """"outside Rotterdam's preferred regions (Asia)", translated."""
    names = _region_names(sorted(regions)) + [countries.name(c) for c in sorted(countries_)]
    listed = ", ".join(str(name) for name in names)
    if regions and countries_:
        text = _("outside %(city)s's preferred regions and countries (%(list)s)")
    elif regions:
        text = _("outside %(city)s's preferred regions (%(list)s)")
    else:
        text = _("outside %(city)s's preferred countries (%(list)s)")
    return text % {"city": city, "list": listed}


def pair_notes(pair: dict) -> list[str]:
    """Notes of a pair of the JSON document, in words."""
    notes = [
        outside_text(c["city"], c.get("regions", []), c.get("countries", []))
        for c in pair.get("outside_preferences", [])
    ]
    penalty = pair.get("components", {}).get("preference")
    if penalty:
        notes.append(_("preference penalty %(p).3f") % {"p": penalty})
    if pair.get("locked"):
        notes.append(
            _("locked by staff: the lock overrides the stated preferences")
            if pair.get("outside_preferences")
            else _("locked by staff")
        )
    return notes


def theme_names(slugs) -> list[str]:
    names = dict(Theme.objects.filter(slug__in=list(slugs)).values_list("slug", "name"))
    return [_(names.get(slug, slug)) for slug in slugs]


def why_matched(
    *, score, components: dict, shared_themes, weights: dict | None = None
) -> list[str]:
    """Why two cities were matched, in sentences a city official can read."""
    weights = weights or matching.Weights().as_dict()
    sentences = []
    themes = theme_names(shared_themes or [])
    if themes:
        sentences.append(
            ngettext(
                "You share the theme %(themes)s.",
                "You share the themes %(themes)s.",
                len(themes),
            )
            % {"themes": ", ".join(themes)}
        )
    strength = {
        "region": (
            _("Each of you is in a region or country the other asked for."),
            _("The region or country fits one of your stated preferences."),
        ),
        "language": (_("You share a working language."), _("You share a working language.")),
        "size": (_("Your cities are of a similar size."), _("Your cities' sizes are comparable.")),
    }
    for name, (full, partial) in strength.items():
        value, weight = components.get(name) or 0.0, weights.get(name) or 0.0
        if weight and value >= 0.99 * weight:
            sentences.append(full)
        elif weight and value >= 0.5 * weight and name != "language":
            sentences.append(partial)
    if score is not None:
        sentences.append(_("Match score: %(score)d out of 100.") % {"score": round(score * 100)})
    return sentences


def why_not_reasons(answer: "matching.WhyNot", *, min_score: float) -> list[str]:
    """The reasons of a "why not?" answer, in words."""
    texts = []
    for code in answer.reasons:
        if code == "chosen":
            texts.append(_("This pair is in the suggestion."))
        elif code == "no-shared-theme":
            texts.append(_("The two cities share no theme."))
        elif code == "outside-preferences":
            texts.extend(
                outside_text(c.name, c.preferred_regions, c.preferred_countries)
                for c in answer.outside_preferences
            )
        elif code == "below-min-score":
            texts.append(
                _("Its score %(score).3f is below the minimum score %(min).3f.")
                % {"score": answer.score, "min": min_score}
            )
        elif code == "forbidden":
            texts.append(_("Staff forbade this pair."))
        elif code == "capacity":
            taken = [
                f"{p.eu.name if p.partner.key == answer.partner.key else p.partner.name}"
                f" ({p.score:.3f})"
                for p in answer.eu_partners + answer.partner_partners
            ]
            texts.append(
                _("The cities' places went to pairs that give a better total: %(pairs)s.")
                % {"pairs": ", ".join(taken) or "—"}
            )
    return texts
