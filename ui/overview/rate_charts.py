"""Rates over time as plotly line charts: one line per rate, hollow points where the volume is
too small to judge, threshold lines labelled with their sources. Every point carries its
segment (ui.overview.drill.segment_data): a click opens the mails of its numerator. No Streamlit
here.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from pipeline.filters.periods import Bucket
from pipeline.i18n import t
from pipeline.i18n.numbers import format_count, format_percent, format_threshold
from pipeline.rules.deliverability import (
    FAILURE_RATES,
    NUMERATOR_FILTERS,
    RATES,
    enough_volume,
    thresholds_of,
)
from ui.overview.chart_style import (
    RATE_COLOURS,
    bucket_labels,
    hover_bucket,
    layout,
    percent_suffix,
    period_of,
)
from ui.overview.drill import segment_data

_THRESHOLD_DASH = {"watch": "dot", "high": "dash", "critical": "longdash"}


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
    labels = bucket_labels(frame, bucket, lang)
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
                    period_of(row), count=row[definition.numerator], **NUMERATOR_FILTERS[rate]
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
    figure.update_yaxes(range=[0, top], ticksuffix=percent_suffix(lang), rangemode="tozero")
    return layout(
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
        rates=FAILURE_RATES,
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


def _rate_hover(rate: str, row: dict, bucket: Bucket, lang: str, judged: bool) -> str:
    definition = RATES[rate]
    text = t(
        "chart.hover.rate",
        lang,
        bucket=hover_bucket(row, bucket, lang),
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
