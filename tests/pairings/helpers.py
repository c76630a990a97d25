"""Accepted applications, ready for matching, made straight in the database."""

from applications.eligibility import side_for
from applications.models import Application, ApplicationStatus, ApplicationTheme, Theme


def accepted(
    call,
    city,
    country,
    themes,
    *,
    population=500_000,
    capacity=1,
    owner=None,
    languages=("en",),
    status=ApplicationStatus.ACCEPTED,
    **fields,
):
    application = Application.objects.create(
        call=call,
        owner=owner,
        status=status,
        side=side_for(country),
        city_name=city,
        country=country,
        population=population,
        partners_wanted=capacity,
        languages=list(languages),
        contact_name=f"Contact of {city}",
        contact_email=f"contact@{city.lower().replace(' ', '')}.example.org",
        commits_to_18_months=True,
        submitted_at=call.opens_at,
        **fields,
    )
    ApplicationTheme.objects.bulk_create(
        ApplicationTheme(application=application, theme=Theme.objects.get(slug=slug), priority=i)
        for i, slug in enumerate(themes, start=1)
    )
    return application
