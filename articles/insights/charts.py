"""Small charts of views per day for the admin, made on the server as inline SVG: no chart
library, no script, no style attribute (the CSP forbids them; classes and SVG
presentation attributes are styled by static/css/admin-charts.css with the admin's own
colours, light or dark).

Each chart has an accessible name that sums it up ("Views per day, last 30 days: 412 in
all, most on 3 Dec (40)"); the bar chart also gives its numbers day by day in a table,
under a <details>, for screen readers and keyboard users.
"""

from django.utils.dateformat import format as format_date
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst

BAR_SLOT, BAR_WIDTH, BAR_HEIGHT = 10, 8, 100  # viewBox units; the SVG is stretched by CSS
SPARK_HEIGHT = 20


def short_date(day):
    return format_date(day, "j M")


def summary(days, unit=""):
    """ "412 in all, most on 3 Dec (40)" for [(day, views), …] (the latest of the days
    with the most views), "412 views in all, …" with `unit`."""
    total = sum(views for _, views in days)
    if not total:
        return f"no {unit or 'views'}".strip()
    peak_day, peak = max(reversed(days), key=lambda day_views: day_views[1])
    counted = f"{total:,} {unit}{'s' if unit and total != 1 else ''}".strip()
    if peak == total:
        return f"{counted} in all, on {short_date(peak_day)}"
    return f"{counted} in all, most on {short_date(peak_day)} ({peak:,})"


def _scaled(views, peak, height):
    # A day with any views gets a visible bar, however small beside the peak.
    return 0 if not views else max(1, round(views / peak * height, 2))


def bar_chart(days, label):
    """A bar per day of [(day, views), …], oldest first, named "`label`: summary", with
    the summary above it, the first and last days under it and the numbers in a table."""
    name = f"{label}: {summary(days)}"
    peak = max((views for _, views in days), default=0)
    bars = format_html_join(
        "",
        '<rect class="views-chart__bar" x="{}" y="{}" width="{}" height="{}">'
        "<title>{}: {} view{}</title></rect>",
        (
            (
                n * BAR_SLOT + 1,
                BAR_HEIGHT - height,
                BAR_WIDTH,
                height,
                short_date(day),
                f"{views:,}",
                "" if views == 1 else "s",
            )
            for n, (day, views) in enumerate(days)
            if (height := _scaled(views, peak, BAR_HEIGHT))
        ),
    )
    rows = format_html_join(
        "",
        '<tr><th scope="row"><time datetime="{}">{}</time></th><td>{}</td></tr>',
        ((day.isoformat(), short_date(day), f"{views:,}") for day, views in days),
    )
    first, last = (short_date(days[0][0]), short_date(days[-1][0])) if days else ("", "")
    return format_html(
        '<div class="views-chart"><p class="views-chart__total">{total}</p>'
        '<svg class="views-chart__svg" viewBox="0 0 {width} {height}" preserveAspectRatio="none"'
        ' role="img" aria-label="{name}" focusable="false"><title>{name}</title>{bars}</svg>'
        '<p class="views-chart__days" aria-hidden="true"><span>{first}</span>'
        "<span>{last}</span></p>"
        '<details class="views-chart__numbers"><summary>Day by day</summary>'
        "<table><caption>{label}</caption>"
        '<thead><tr><th scope="col">Day</th><th scope="col">Views</th></tr></thead>'
        "<tbody>{rows}</tbody></table></details></div>",
        width=len(days) * BAR_SLOT,
        height=BAR_HEIGHT,
        total=capfirst(summary(days, unit="view")) + ".",
        name=name,
        bars=bars,
        first=first,
        last=last,
        label=label,
        rows=rows,
    )


def sparkline(days, label):
    """A line of [(day, views), …] the height of a line of text, named "`label`:
    summary" (the row it sits in gives the numbers)."""
    peak = max((views for _, views in days), default=0) or 1
    points = " ".join(
        f"{n},{round(SPARK_HEIGHT - 1 - views / peak * (SPARK_HEIGHT - 2), 2)}"
        for n, (_, views) in enumerate(days)
    )
    name = f"{label}: {summary(days)}"
    return format_html(
        '<svg class="sparkline" viewBox="0 0 {} {}" preserveAspectRatio="none" role="img"'
        ' aria-label="{}" focusable="false"><title>{}</title>'
        '<polyline points="{}" fill="none" stroke="currentColor" stroke-width="1.5"'
        ' vector-effect="non-scaling-stroke"/></svg>',
        max(len(days) - 1, 1),
        SPARK_HEIGHT,
        name,
        name,
        points,
    )
