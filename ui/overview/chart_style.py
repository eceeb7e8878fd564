"""What every overview chart shares: the colours (statuses in pipeline.rules.statuses' colours, a
rate in the colour of the status it counts, a fixed colour per provider), the layout, number
separators, and how a time bucket is labelled. Plain plotly; no Streamlit here.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go

from pipeline.filters.periods import Bucket, Period, bucket_label, month_label, month_name
from pipeline.i18n import t
from pipeline.rules.statuses import FAILED_STATUSES, STATUS_COLOURS

HEIGHT = 360
FONT = "Source Sans Pro, sans-serif"
# Stacking order, bottom to top: arrived mails first, failures on top where they stand out.
STACK_ORDER = ("opened", "delivered", "sent", "requested", *FAILED_STATUSES)
RATE_COLOURS = {
    "delivery": STATUS_COLOURS["delivered"],
    "open": STATUS_COLOURS["opened"],
    "machine_open": "#8C8C8C",
    "undeliverable": STATUS_COLOURS["undeliverable"],
    "send_error": STATUS_COLOURS["send_error"],
    "complaint": "#CC79A7",  # Okabe-Ito reddish purple: no status has it
}

# Provider colours (Okabe-Ito hues no status uses), the same in every chart.
PROVIDER_COLOURS = {
    "brevo": "#56B4E9",
    "sendgrid": "#E69F00",
    "mailgun": "#CC79A7",
    "postmark": "#F0E442",
    "amazon_ses": "#000000",
    "mailjet": "#999999",
}
FALLBACK_COLOURS = ("#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#AA4499")


def layout(figure: go.Figure, lang: str, *, title: str, x_title: str, y_title: str) -> go.Figure:
    """Title top left, legend below, axis titles, the language's separators; clicks select."""
    figure.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 17}},
        height=HEIGHT,
        margin={"l": 8, "r": 8, "t": 48, "b": 8},
        legend=legend_below(),
        separators=separators(lang),
        hovermode="closest",
        clickmode="event+select",
        dragmode=False,
        font={"family": FONT},
    )
    figure.update_xaxes(title=x_title, type="category", tickangle=0, automargin=True)
    figure.update_yaxes(title=y_title, rangemode="tozero", automargin=True)
    return figure


def legend_below() -> dict:
    """A horizontal legend under the chart, in the statuses' own order."""
    return {
        "orientation": "h",
        "x": 0,
        "y": 0,
        "yref": "container",
        "yanchor": "bottom",
        "title": None,
        "traceorder": "normal",
    }


def separators(lang: str) -> str:
    """Plotly's decimal and thousands separators: "24,3" and "1 234" in French."""
    return ",\u202f" if lang == "fr" else ".,"


def bucket_labels(frame: pd.DataFrame, bucket: Bucket, lang: str) -> list[str]:
    """The x-axis categories of a frame with one row per bucket ("août<br>2026", "3<br>août")."""
    return [bucket_label(bucket, row["bucket"], lang) for row in frame.to_dict("records")]


def hover_bucket(row: dict, bucket: Bucket, lang: str) -> str:
    """The bucket in full for a tooltip: "août 2026", or its days "du 3 au 9 août 2026"."""
    if bucket == "month" and row["start"].day == 1 and _is_month_end(row["end"]):
        return month_label(row["start"], lang)
    if row["start"] == row["end"]:
        return t("chart.hover.day", lang, day=_day(row["start"], lang))
    return t("chart.hover.days", lang, start=_day(row["start"], lang), end=_day(row["end"], lang))


def _day(day: dt.date, lang: str) -> str:
    return t(
        "calendar.long_day",
        lang,
        day=day.day,
        month=month_name(day.month, lang),
        year=day.year,
    )


def _is_month_end(day: dt.date) -> bool:
    return (day + dt.timedelta(days=1)).month != day.month


def period_of(row: dict) -> Period:
    """The days of a bucket row (its `start` and `end`, cut to the period)."""
    return Period(row["start"], row["end"])


def percent_suffix(lang: str) -> str:
    """The unit after a percentage on an axis: " %" with a narrow space in French."""
    return "\u202f%" if lang == "fr" else "%"
