"""The overview's charts over time, as plotly figures built from the frames of
pipeline.queries.overview: statuses stacked per bucket, rates with their threshold lines, mails
per provider. Plain functions of data → figure (tested without a browser); every point carries
its segment (ui.drill.segment_data) so that a click opens exactly its mails.

Colours: statuses in pipeline.statuses' colours everywhere; a rate in the colour of the status
it counts. No Streamlit here.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from pipeline.deliverability import NUMERATOR_FILTERS, RATES, enough_volume, thresholds_of
from pipeline.formats import format_count, format_percent, format_threshold
from pipeline.i18n import has_key, t
from pipeline.periods import Bucket, Period, bucket_label, month_label
from pipeline.statuses import STATUS_COLOURS, STATUS_KEYS, status_label
from ui.drill import segment_data

HEIGHT = 360
FONT = "Source Sans Pro, sans-serif"
# Stacking order, bottom to top: arrived mails first, failures on top where they stand out.
STACK_ORDER = ("opened", "delivered", "sent", "requested", "undeliverable", "send_error")
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
_FALLBACK_COLOURS = ("#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#AA4499")
_THRESHOLD_DASH = {"watch": "dot", "high": "dash", "critical": "longdash"}


def status_bars(frame: pd.DataFrame, bucket: Bucket, lang: str, *, share: bool = True) -> go.Figure:
    """Mails per bucket stacked by status (frame: counts_over_time): as shares of the bucket's
    mails (`share`, each bar 100 %: a bad month stands out whatever its volume) or as counts."""
    labels = _bucket_labels(frame, bucket, lang)
    figure = go.Figure()
    totals = frame["mails"].tolist()
    for status in STACK_ORDER:
        column = f"status_{status}"
        if not frame[column].any() and status in ("requested", "sent"):
            continue  # nothing in flight: keep the legend short
        values = frame[column].tolist()
        if share:
            values = [v / n * 100 if n else 0 for v, n in zip(values, totals, strict=True)]
        figure.add_bar(
            x=labels,
            y=values,
            name=status_label(status, lang),
            marker_color=STATUS_COLOURS[status],
            legendrank=STATUS_KEYS.index(status),
            customdata=[
                segment_data(_period(row), count=row[column], statuses=(status,))
                for row in frame.to_dict("records")
            ],
            hovertext=[
                t(
                    "chart.hover.status",
                    lang,
                    bucket=_hover_bucket(row, bucket, lang),
                    status=status_label(status, lang),
                    count=format_count(row[column], lang),
                    share=format_percent(
                        row[column] / row["mails"] if row["mails"] else None, lang
                    ),
                )
                for row in frame.to_dict("records")
            ],
            hovertemplate="%{hovertext}<extra></extra>",
        )
    figure.update_layout(barmode="stack")
    if share:
        figure.update_yaxes(range=[0, 100], ticksuffix=_percent_suffix(lang))
    return _layout(
        figure,
        lang,
        title=t("chart.statuses.title", lang),
        x_title=t(f"chart.axis.{bucket}", lang),
        y_title=t("chart.axis.share" if share else "chart.axis.mails", lang),
    )


def rate_lines(
    frame: pd.DataFrame,
    bucket: Bucket,
    lang: str,
    *,
    rates: Sequence[str],
    title_key: str,
    threshold_rate: str | None = None,
    y_floor: float = 0.0,
    y_max: float | None = None,
) -> go.Figure:
    """Rates per bucket (frame: counts_over_time), one line each; a point too small to judge
    is drawn hollow. `threshold_rate` adds that rate's threshold lines, labelled with their
    sources; the y axis reaches at least `y_floor` (a rate, 0..1) so that the lowest lines show,
    or exactly `y_max` (a rate) when given."""
    labels = _bucket_labels(frame, bucket, lang)
    figure = go.Figure()
    highest = y_floor
    for rate in rates:
        definition = RATES[rate]
        rows = frame.to_dict("records")
        values = [definition.of(row) for row in rows]
        judged = [enough_volume(rate, row) for row in rows]
        highest = max([highest, *(v for v in values if v is not None)])
        figure.add_scatter(
            x=labels,
            y=[None if v is None else v * 100 for v in values],
            name=t(f"deliverability.rate.{rate}.short", lang),
            mode="lines+markers",
            line={
                "color": RATE_COLOURS[rate],
                "width": 2.5,
                "dash": "dot" if rate == "machine_open" else "solid",
            },
            marker={
                "size": 8,
                "color": RATE_COLOURS[rate],
                "symbol": ["circle" if ok else "circle-open" for ok in judged],
            },
            customdata=[
                segment_data(
                    _period(row), count=row[definition.numerator], **NUMERATOR_FILTERS[rate]
                )
                for row in rows
            ],
            hovertext=[
                _rate_hover(rate, row, bucket, lang, ok)
                for row, ok in zip(rows, judged, strict=True)
            ],
            hovertemplate="%{hovertext}<extra></extra>",
            connectgaps=False,
        )
    top = (y_max * 1.04 if y_max is not None else highest * 1.18) * 100
    if threshold_rate:
        _threshold_lines(figure, threshold_rate, lang, top)
    figure.update_yaxes(range=[0, top], ticksuffix=_percent_suffix(lang), rangemode="tozero")
    return _layout(
        figure,
        lang,
        title=t(title_key, lang),
        x_title=t(f"chart.axis.{bucket}", lang),
        y_title=t("chart.axis.rate", lang),
    )


def failure_rates(frame: pd.DataFrame, bucket: Bucket, lang: str) -> go.Figure:
    """Undeliverable and send-error rates against the bounce thresholds (2 %, 5 %, 10 %)."""
    return rate_lines(
        frame,
        bucket,
        lang,
        rates=("undeliverable", "send_error"),
        title_key="chart.failures.title",
        threshold_rate="undeliverable",
        y_floor=0.055,
    )


def engagement_rates(frame: pd.DataFrame, bucket: Bucket, lang: str) -> go.Figure:
    """Delivery rate, opens by a person, and mails opened only by machines, on 0-100 %."""
    return rate_lines(
        frame,
        bucket,
        lang,
        rates=("delivery", "open", "machine_open"),
        title_key="chart.engagement.title",
        y_max=1.0,
    )


def complaint_rates(frame: pd.DataFrame, bucket: Bucket, lang: str) -> go.Figure:
    """The complaint rate against Google's and Yahoo's 0.1 % and 0.3 %."""
    return rate_lines(
        frame,
        bucket,
        lang,
        rates=("complaint",),
        title_key="chart.complaints.title",
        threshold_rate="complaint",
        y_floor=0.0035,
    )


def volume_bars(frame: pd.DataFrame, bucket: Bucket, lang: str) -> go.Figure:
    """Mails per bucket stacked by provider (frame: volume_over_time by provider)."""
    figure = go.Figure()
    for index, (provider, rows) in enumerate(frame.groupby("value", sort=True)):
        rows = rows.sort_values("bucket")
        name = t(f"provider.{provider}", lang) if has_key(f"provider.{provider}") else provider
        records = rows.to_dict("records")
        figure.add_bar(
            x=_bucket_labels(rows, bucket, lang),
            y=rows["mails"].tolist(),
            name=name,
            marker_color=PROVIDER_COLOURS.get(provider, _FALLBACK_COLOURS[index % 6]),
            customdata=[
                segment_data(_period(row), count=row["mails"], dimension="provider", value=provider)
                for row in records
            ],
            hovertext=[
                t(
                    "chart.hover.provider",
                    lang,
                    bucket=_hover_bucket(row, bucket, lang),
                    provider=name,
                    count=format_count(row["mails"], lang),
                )
                for row in records
            ],
            hovertemplate="%{hovertext}<extra></extra>",
        )
    figure.update_layout(barmode="stack")
    return _layout(
        figure,
        lang,
        title=t("chart.providers.title", lang),
        x_title=t(f"chart.axis.{bucket}", lang),
        y_title=t("chart.axis.mails", lang),
    )


def _rate_hover(rate: str, row: dict, bucket: Bucket, lang: str, judged: bool) -> str:
    definition = RATES[rate]
    text = t(
        "chart.hover.rate",
        lang,
        bucket=_hover_bucket(row, bucket, lang),
        rate=t(f"deliverability.rate.{rate}.short", lang),
        value=format_percent(definition.of(row), lang),
        numerator=format_count(row[definition.numerator], lang),
        denominator=format_count(row[definition.denominator], lang),
        base=t(f"deliverability.count.{definition.denominator}", lang),
    )
    return text if judged else text + "<br>" + t("chart.hover.too_few", lang)


def _threshold_lines(figure: go.Figure, rate: str, lang: str, top: float) -> None:
    for threshold in thresholds_of(rate):
        y = threshold.value * 100
        if y > top:
            continue
        figure.add_hline(
            y=y,
            line={"color": "#4D4D4D", "width": 1.2, "dash": _THRESHOLD_DASH[threshold.level]},
            annotation={
                "text": t(
                    "chart.threshold_label",
                    lang,
                    value=format_threshold(threshold.value, lang),
                    source=t(f"deliverability.threshold.short.{threshold.source}", lang),
                ),
                "font": {"size": 11, "color": "#333333"},
                "bgcolor": "rgba(255,255,255,0.85)",
            },
            annotation_position="top left",
        )


def _layout(figure: go.Figure, lang: str, *, title: str, x_title: str, y_title: str) -> go.Figure:
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


def _bucket_labels(frame: pd.DataFrame, bucket: Bucket, lang: str) -> list[str]:
    return [bucket_label(bucket, row["bucket"], lang) for row in frame.to_dict("records")]


def _hover_bucket(row: dict, bucket: Bucket, lang: str) -> str:
    """The bucket in full for a tooltip: "août 2026", or its days "du 3 au 9 août 2026"."""
    if bucket == "month" and row["start"].day == 1 and _is_month_end(row["end"]):
        return month_label(row["start"], lang)
    if row["start"] == row["end"]:
        return t("chart.hover.day", lang, day=_day(row["start"], lang))
    return t("chart.hover.days", lang, start=_day(row["start"], lang), end=_day(row["end"], lang))


def _day(day, lang: str) -> str:
    return t(
        "calendar.long_day",
        lang,
        day=day.day,
        month=t(f"calendar.month.{day.month}", lang),
        year=day.year,
    )


def _is_month_end(day) -> bool:
    return (day + pd.Timedelta(days=1)).month != day.month


def _period(row: dict) -> Period:
    return Period(row["start"], row["end"])


def _percent_suffix(lang: str) -> str:
    return "\u202f%" if lang == "fr" else "%"
