"""A world map drawn on the server: Natural Earth's land (world-atlas, vendored in
static/vendor/world-atlas) in an equirectangular projection, as SVG path data.

No tile server, no CDN, no script: the page embeds the SVG, and each pair is a link.
"""

import itertools
import json
from functools import lru_cache

from django.conf import settings
from django.utils.safestring import mark_safe

WIDTH = 1000.0
SCALE = WIDTH / 360.0
NORTH, SOUTH = 84.0, -58.0  # Antarctica and the far north add nothing to this map
VIEWBOX = f"0 {(90 - NORTH) * SCALE:.0f} {WIDTH:.0f} {(NORTH - SOUTH) * SCALE:.0f}"
LAND_FILE = settings.BASE_DIR / "static" / "vendor" / "world-atlas" / "land-110m.json"


def project(latitude: float, longitude: float) -> tuple[float, float]:
    return round((longitude + 180.0) * SCALE, 1), round((90.0 - latitude) * SCALE, 1)


def _decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))  # (longitude, latitude)
        arcs.append(points)
    return arcs


def _ring(arcs, indexes) -> list[tuple[float, float]]:
    ring: list[tuple[float, float]] = []
    for index in indexes:
        points = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
        ring.extend(points[1:] if ring else points)
    return ring


@lru_cache(maxsize=1)
def land_path() -> str:
    """SVG path data of the land, computed once per process."""
    topology = json.loads(LAND_FILE.read_text())
    arcs = _decode_arcs(topology)
    parts = []
    for geometry in topology["objects"]["land"]["geometries"]:
        polygons = (
            [geometry["arcs"]] if geometry["type"] == "Polygon" else geometry["arcs"]
        )
        for polygon in polygons:
            for ring_indexes in polygon:
                ring = _ring(arcs, ring_indexes)
                if len(ring) < 3 or max(lat for _lon, lat in ring) < SOUTH:
                    continue  # Antarctica lies below the map
                if any(abs(a[0] - b[0]) > 180 for a, b in itertools.pairwise(ring)):
                    # A ring across the antimeridian (Eurasia's Chukotka tip, Fiji): move
                    # its far-western points east of 180°, where the viewBox clips them,
                    # rather than draw a line across the whole world.
                    ring = [(lon + 360 if lon < -90 else lon, lat) for lon, lat in ring]
                points = [project(lat, lon) for lon, lat in ring]
                parts.append(
                    "M" + "L".join(f"{x:g},{y:g}" for x, y in points) + "Z"
                )
    # Only digits, commas and the letters M, L and Z: safe to put in the page as it is.
    return mark_safe("".join(parts))  # noqa: S308
