"""Small bar charts as SVG markup, drawn on the server (no script, no style attribute: CSP-safe)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

PALETTE = ("#2f6db5", "#e0a030", "#c0392b", "#5a9e5a", "#7f5ab5")


def bars(
    points: Sequence[tuple[str, float]], *, title: str, unit: str = "", width: int = 420, height: int = 160
) -> Markup:
    """One bar per (label, value); the value is written above each bar."""
    top = max((v for _, v in points), default=0) or 1
    n = max(len(points), 1)
    slot = (width - 20) / n
    bar_w = max(slot * 0.7, 2)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height + 30}" '
        f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    for i, (label, value) in enumerate(points):
        h = (value / top) * (height - 20)
        x = 10 + i * slot + (slot - bar_w) / 2
        y = height - h
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{PALETTE[0]}"/>'
        )
        shown = f"{value:,.0f}" if abs(value) >= 100 else f"{value:g}"
        parts.append(
            f'<text x="{x + bar_w / 2:.1f}" y="{y - 3:.1f}" font-size="10" text-anchor="middle">'
            f"{escape(shown + unit)}</text>"
        )
        parts.append(
            f'<text x="{x + bar_w / 2:.1f}" y="{height + 14}" font-size="10" text-anchor="middle">'
            f"{escape(label)}</text>"
        )
    parts.append(f'<line x1="5" y1="{height}" x2="{width - 5}" y2="{height}" stroke="#888"/></svg>')
    return Markup("".join(parts))  # noqa: S704 (every text in it is escaped)


def stacked(
    rows: Sequence[tuple[str, Sequence[float]]],
    series: Sequence[str],
    *,
    title: str,
    width: int = 420,
    bar_h: int = 22,
) -> Markup:
    """One horizontal stacked bar per row (e.g. a bot), one colour per series (e.g. an age bucket)."""
    top = max((sum(v) for _, v in rows), default=0) or 1
    label_w, height = 130, len(rows) * (bar_h + 8) + 30
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    for r, (label, values) in enumerate(rows):
        y = r * (bar_h + 8)
        parts.append(f'<text x="0" y="{y + bar_h * 0.7:.1f}" font-size="11">{escape(label)}</text>')
        x = float(label_w)
        for k, value in enumerate(values):
            w = (value / top) * (width - label_w - 40)
            if w > 0:
                parts.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" '
                    f'fill="{PALETTE[k % len(PALETTE)]}"><title>{escape(series[k])}: {value:g}</title></rect>'
                )
            x += w
        parts.append(f'<text x="{x + 4:.1f}" y="{y + bar_h * 0.7:.1f}" font-size="11">{sum(values):g}</text>')
    y = len(rows) * (bar_h + 8) + 10
    for k, name in enumerate(series):
        x = label_w + k * 90
        parts.append(f'<rect x="{x}" y="{y}" width="10" height="10" fill="{PALETTE[k % len(PALETTE)]}"/>')
        parts.append(f'<text x="{x + 14}" y="{y + 9}" font-size="10">{escape(name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text in it is escaped)
