"""The score trend across years as a small server-side SVG (no charting library, no inline style)."""
from __future__ import annotations

from decimal import Decimal

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 16, 32
FLOOR = Decimal("50")  # the y axis shows 50..100: every level threshold is above it


def _y(score: Decimal) -> float:
    span = HEIGHT - TOP - BOTTOM
    value = max(FLOOR, min(Decimal("100"), Decimal(score)))
    return round(TOP + float((Decimal("100") - value) / (Decimal("100") - FLOOR)) * span, 1)


def trend_svg(points, thresholds, title: str) -> Markup:
    """``points``: (year, score, level, state) oldest first; ``thresholds``: [(level, minimum)]."""
    points = list(points)
    n = len(points)
    span_x = WIDTH - LEFT - RIGHT
    xs = [LEFT + (span_x * (i + 0.5) / n) for i in range(n)]
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="certification-trend" viewBox="0 0 {WIDTH} {HEIGHT}" '
             f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>']
    for _level, minimum in thresholds:
        y = _y(minimum)
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y}" y2="{y}" stroke="#ced4da" '
                     f'stroke-dasharray="4 4"/><text x="{LEFT - 6}" y="{y + 4}" text-anchor="end" font-size="11" '
                     f'fill="#6c757d">{minimum:g}</text>')
    parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{HEIGHT - BOTTOM}" y2="{HEIGHT - BOTTOM}" '
                 f'stroke="#adb5bd"/>')
    if n > 1:
        path = " ".join(f"{x:.1f},{_y(p[1])}" for x, p in zip(xs, points))
        parts.append(f'<polyline points="{path}" fill="none" stroke="#0d6efd" stroke-width="2"/>')
    for x, (year, score, _level, state) in zip(xs, points):
        y = _y(score)
        fill = "#0d6efd" if state == "approved" else "#ffffff"
        parts.append(f'<circle cx="{x:.1f}" cy="{y}" r="5" fill="{fill}" stroke="#0d6efd" stroke-width="2">'
                     f'<title>{year}: {score}</title></circle>'
                     f'<text x="{x:.1f}" y="{y - 10}" text-anchor="middle" font-size="12">{score}</text>'
                     f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle" font-size="12">{year}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
