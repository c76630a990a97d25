"""Pure arithmetic of assessment scores (no ORM): fast to test, one place to read."""

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

HUNDRED = Decimal(100)


def weighted_score(scores: Iterable[tuple[int, int, Decimal]]) -> Decimal:
    """A 0–100 score from (value, scale maximum, weight) per criterion.

    Each value counts as its share of its scale, weighted: 5 of 5 everywhere is 100.
    """
    total_weight = Decimal(0)
    total = Decimal(0)
    for value, scale_max, weight in scores:
        if scale_max <= 0 or weight <= 0:
            raise ValueError("scale and weight must be positive")
        if not 0 <= value <= scale_max:
            raise ValueError(f"{value} is outside 0–{scale_max}")
        total += Decimal(weight) * Decimal(value) / Decimal(scale_max)
        total_weight += Decimal(weight)
    if not total_weight:
        raise ValueError("no criteria")
    return (total / total_weight * HUNDRED).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def disagrees(scores: Iterable[Decimal], threshold: Decimal) -> bool:
    """Assessors disagree when their weighted scores are further apart than the threshold."""
    values = list(scores)
    return len(values) >= 2 and max(values) - min(values) > threshold


def balanced_assignment(
    *,
    applications: list[dict],
    assessors: list[dict],
    per_application: int,
) -> list[tuple[int, int]]:
    """Choose (application id, assessor id) pairs so each application reaches
    `per_application` active assessors, spreading the load.

    applications: {"id", "region", "languages", "taken": set of assessor ids already
    assigned or conflicted}; assessors: {"id", "regions", "languages", "load"}.
    The least-loaded assessor comes first; one whose region or language matches the
    application counts as one assignment lighter, so it is preferred among equals
    without piling everything on it. Ties break by assessor id: the same input always
    gives the same answer. A conflicted assessor is never chosen (it is in "taken").
    """
    load = {a["id"]: a["load"] for a in assessors}
    chosen: list[tuple[int, int]] = []
    for application in sorted(applications, key=lambda a: a["id"]):
        taken = set(application["taken"])
        need = per_application - application.get("active", 0)
        for _ in range(max(need, 0)):
            candidates = [a for a in assessors if a["id"] not in taken]
            if not candidates:
                break

            def key(assessor, application=application):
                match = application["region"] in assessor["regions"] or bool(
                    set(application["languages"]) & set(assessor["languages"])
                )
                return (load[assessor["id"]] + (0 if match else 1), assessor["id"])

            best = min(candidates, key=key)
            chosen.append((application["id"], best["id"]))
            taken.add(best["id"])
            load[best["id"]] += 1
    return chosen
