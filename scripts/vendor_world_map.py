"""Writes src/footfall/web/static/world-110m.json, the dashboard's country map.

Run by hand when the geometry should change (it is committed; nothing is fetched at run
time). Input: world-atlas's countries-110m.json (npm package world-atlas 2.0.2, ISC
licence, Mike Bostock, from Natural Earth's public-domain 1:110m countries) and Debian's
iso-codes iso_3166-1.json for the numeric -> alpha-2 codes (world-atlas ids are ISO
3166-1 numeric; Footfall stores alpha-2). Output: one SVG path per country in an
equirectangular projection (Antarctica left out), keyed by alpha-2 code, so that
dashboard.js only draws paths.

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python scripts/vendor_world_map.py package/countries-110m.json \
        /usr/share/iso-codes/json/iso_3166-1.json
"""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path
from typing import Any

WIDTH = 1000.0
TOP, BOTTOM = 84.0, -58.0  # latitudes kept (no Antarctica, little Arctic sea)
SCALE = WIDTH / 360.0
HEIGHT = (TOP - BOTTOM) * SCALE
# Features Natural Earth gives no ISO number: the codes users' data will carry.
BY_NAME = {"Kosovo": "XK", "N. Cyprus": "CY", "Somaliland": "SO"}
OUT = Path(__file__).resolve().parent.parent / "src/footfall/web/static/world-110m.json"


def decode_arcs(topo: dict[str, Any]) -> list[list[tuple[float, float]]]:
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring(indices: list[int], arcs: list[list[tuple[float, float]]]) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for i in indices:
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        points.extend(arc[1:] if points else arc)
    return points


def unwrapped(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """A ring that crosses the antimeridian (Russia's Chukotka, Fiji, the Aleutians)
    jumps across the whole map; its smaller side is moved past the edge instead (the
    SVG's viewBox cuts it), rather than a band drawn across the world."""
    if all(abs(b[0] - a[0]) <= 180 for a, b in itertools.pairwise(points)):
        return points
    east = sum(1 for lon, _ in points if lon > 0) * 2 >= len(points)
    return [
        (lon + 360 if east and lon < 0 else lon - 360 if not east and lon > 0 else lon, lat)
        for lon, lat in points
    ]


def path(rings: list[list[tuple[float, float]]]) -> str:
    out = []
    for ring_points in rings:
        points = unwrapped(ring_points)
        xy = [
            (round((lon + 180) * SCALE, 1), round((TOP - max(min(lat, TOP), BOTTOM)) * SCALE, 1))
            for lon, lat in points
        ]
        kept = [p for i, p in enumerate(xy) if i == 0 or p != xy[i - 1]]
        if len(kept) > 2:
            out.append("M" + "L".join(f"{x:g},{y:g}" for x, y in kept) + "Z")
    return "".join(out)


def main(atlas: str, iso: str) -> None:
    topo = json.loads(Path(atlas).read_text())
    codes = {c["numeric"]: c["alpha_2"] for c in json.loads(Path(iso).read_text())["3166-1"]}
    arcs = decode_arcs(topo)
    countries: dict[str, str] = {}
    for g in topo["objects"]["countries"]["geometries"]:
        code = codes.get(str(g.get("id", ""))) or BY_NAME.get(g["properties"]["name"])
        if code is None or code == "AQ":
            continue
        polygons = g["arcs"] if g["type"] == "MultiPolygon" else [g["arcs"]]
        d = path([ring(r, arcs) for polygon in polygons for r in polygon])
        countries[code] = countries.get(code, "") + d
    data = {
        "source": "world-atlas 2.0.2 countries-110m (ISC, Mike Bostock; Natural Earth, "
        "public domain), projected by scripts/vendor_world_map.py",
        "width": WIDTH,
        "height": round(HEIGHT, 1),
        "countries": dict(sorted(countries.items())),
    }
    OUT.write_text(json.dumps(data, separators=(",", ":")) + "\n")
    print(f"{len(countries)} countries, {OUT.stat().st_size} bytes -> {OUT}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
