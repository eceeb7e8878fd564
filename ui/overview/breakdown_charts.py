"""The overview's breakdowns as plotly figures: one row per mail type, recipient kind, domain,
provider or session, in the frame's order; on the left the mails stacked by status (for
sessions, only the failed ones) with their total, on the right the undeliverable and send-error
rates beside the 2 % line.

Built from pipeline.queries.overview.breakdown / sessions_with_most_failures frames; every bar
carries its segment for the drill-down. No Streamlit here.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from pipeline.filters.periods import Period
from pipeline.i18n import has_key, t
from pipeline.i18n.numbers import format_count, format_percent
from pipeline.queries.overview import OTHER
from pipeline.rules.deliverability import FAILURE_RATES, RATES, thresholds_of
from pipeline.rules.statuses import (
    FAILED_STATUSES,
    IN_FLIGHT_STATUSES,
    STATUS_COLOURS,
    STATUS_KEYS,
    status_label,
)
from ui.overview.chart_style import FONT, STACK_ORDER, legend_below, percent_suffix, separators
from ui.overview.drill import segment_data

ROW_HEIGHT = 34
_LABEL_PREFIX = {
    "email_type": "mail_type",
    "recipient_kind": "recipient_kind",
    "provider": "provider",
}
MAX_LABEL = 58


def breakdown_bars(
    frame: pd.DataFrame, dimension: str, period: Period, lang: str, *, failures_only: bool = False
) -> go.Figure:
    """Counts and rates per value of `dimension` (frame: breakdown or, with `dimension`
    "session", sessions_with_most_failures), in the frame's order, top to bottom."""
    rows = frame.to_dict("records")
    labels = _unique([_label(dimension, row, lang) for row in rows], rows)
    shown = tuple(str(row["value"]) for row in rows if row["value"] != OTHER)
    figure = make_subplots(
        rows=1, cols=2, shared_yaxes=True, column_widths=[0.58, 0.42], horizontal_spacing=0.05
    )
    _status_bars(figure, rows, labels, dimension, period, lang, shown, failures_only)
    _rate_bars(figure, rows, labels, dimension, period, lang, shown)
    most = max([1, *(_shown_total(row, failures_only) for row in rows)])
    highest = max([0.05, *(RATES[r].of(row) or 0 for r in FAILURE_RATES for row in rows)])
    percent = percent_suffix(lang)
    figure.update_xaxes(
        range=[0, most * 1.3],
        tickformat=",d",
        row=1,
        col=1,
        title=t("chart.breakdown.failed" if failures_only else "chart.axis.mails", lang),
    )
    figure.update_xaxes(
        range=[0, highest * 100 * 1.3],
        ticksuffix=percent,
        tickangle=0,
        row=1,
        col=2,
        title=t("chart.breakdown.rates", lang),
    )
    figure.update_yaxes(autorange="reversed", type="category", automargin=True, ticksuffix="  ")
    figure.update_layout(
        barmode="overlay",
        height=150 + ROW_HEIGHT * max(len(rows), 3),
        margin={"l": 8, "r": 24, "t": 48, "b": 8},
        title={
            "text": t(f"chart.breakdown.{dimension}", lang),
            "x": 0,
            "xanchor": "left",
            "font": {"size": 17},
        },
        legend=legend_below(),
        separators=separators(lang),
        clickmode="event+select",
        dragmode=False,
        font={"family": FONT},
    )
    return figure


def _status_bars(figure, rows, labels, dimension, period, lang, shown, failures_only) -> None:
    """Mails of each row stacked by status, stacked by hand (`base`, explicit width and offset:
    both panels share one y axis, whose grouping would split every row in three); the row's
    total at the end of its bar."""
    base = [0] * len(rows)
    for status in FAILED_STATUSES if failures_only else STACK_ORDER:
        column = f"status_{status}"
        counts = [int(row[column]) for row in rows]
        if not any(counts) and status in IN_FLIGHT_STATUSES:
            continue
        figure.add_bar(
            y=labels,
            x=counts,
            base=list(base),
            width=0.62,
            offset=-0.31,
            orientation="h",
            name=status_label(status, lang),
            marker_color=STATUS_COLOURS[status],
            legendrank=STATUS_KEYS.index(status),
            customdata=[
                segment_data(
                    period,
                    count=row[column],
                    dimension=dimension,
                    value=row["value"],
                    others=_others(row, shown),
                    statuses=(status,),
                )
                for row in rows
            ],
            hovertext=[
                t(
                    "chart.hover.breakdown_status",
                    lang,
                    label=label,
                    status=status_label(status, lang),
                    count=format_count(row[column], lang),
                    mails=format_count(row["mails"], lang),
                )
                for label, row in zip(labels, rows, strict=True)
            ],
            hovertemplate="%{hovertext}<extra></extra>",
            row=1,
            col=1,
        )
        base = [b + c for b, c in zip(base, counts, strict=True)]
    figure.add_scatter(
        y=labels,
        x=[_shown_total(row, failures_only) for row in rows],
        mode="text",
        text=[_total_text(row, lang, failures_only) for row in rows],
        textposition="middle right",
        textfont={"size": 12, "color": "#31333F"},
        showlegend=False,
        hoverinfo="skip",
        row=1,
        col=1,
    )


def _rate_bars(figure, rows, labels, dimension, period, lang, shown) -> None:
    for rate in FAILURE_RATES:
        definition = RATES[rate]
        values = [definition.of(row) for row in rows]
        figure.add_bar(
            y=labels,
            x=[None if v is None else v * 100 for v in values],
            orientation="h",
            width=0.36,
            offset=-0.37 if rate == "undeliverable" else 0.01,
            name=t(f"deliverability.rate.{rate}.short", lang),
            showlegend=False,
            marker_color=STATUS_COLOURS[rate],
            text=[format_percent(v, lang) if v else "" for v in values],
            textposition="outside",
            textfont={"size": 11},
            constraintext="none",
            cliponaxis=False,
            customdata=[
                segment_data(
                    period,
                    count=row[definition.numerator],
                    dimension=dimension,
                    value=row["value"],
                    others=_others(row, shown),
                    statuses=(rate,),
                )
                for row in rows
            ],
            hovertext=[
                t(
                    "chart.hover.breakdown_rate",
                    lang,
                    label=label,
                    rate=t(f"deliverability.rate.{rate}.short", lang),
                    value=format_percent(v, lang),
                    numerator=format_count(row[definition.numerator], lang),
                    denominator=format_count(row[definition.denominator], lang),
                    base=t(f"deliverability.count.{definition.denominator}", lang),
                )
                for label, row, v in zip(labels, rows, values, strict=True)
            ],
            hovertemplate="%{hovertext}<extra></extra>",
            row=1,
            col=2,
        )
    watch = thresholds_of("undeliverable")[0]
    figure.add_vline(
        x=watch.value * 100, line={"color": "#4D4D4D", "width": 1.2, "dash": "dot"}, row=1, col=2
    )


def _total_text(row: dict, lang: str, failures_only: bool) -> str:
    """ "3 849", or for a session's failures "90 of 653"."""
    if not failures_only:
        return " " + format_count(row["mails"], lang)
    return " " + t(
        "chart.breakdown.failed_of",
        lang,
        failed=format_count(_shown_total(row, True), lang),
        mails=format_count(row["mails"], lang),
    )


def _shown_total(row: dict, failures_only: bool) -> int:
    if failures_only:
        return int(row["status_undeliverable"] + row["status_send_error"])
    return int(row["mails"])


def _others(row: dict, shown: tuple[str, ...]) -> tuple[str, ...]:
    return shown if row["value"] == OTHER else ()


def _label(dimension: str, row: dict, lang: str) -> str:
    value = row["value"]
    if value == OTHER:
        return t("chart.breakdown.other_domains", lang)
    if dimension == "session":
        return _shorten(f"{row.get('session_name') or value}")
    prefix = _LABEL_PREFIX.get(dimension)
    if prefix and has_key(f"{prefix}.{value}"):
        return t(f"{prefix}.{value}", lang)
    return str(value)


def _unique(labels: list[str], rows: list[dict]) -> list[str]:
    """Two rows never share a label (they would merge on the chart): repeats get their value."""
    seen = {label: labels.count(label) for label in labels}
    return [
        f"{label} · {row['value']}" if seen[label] > 1 else label
        for label, row in zip(labels, rows, strict=True)
    ]


def _shorten(text: str) -> str:
    """Long session names keep their start and their end (the place and date tell them apart)."""
    if len(text) <= MAX_LABEL:
        return text
    head = MAX_LABEL * 3 // 5
    return text[:head].rstrip() + "…" + text[-(MAX_LABEL - head - 1) :].lstrip()
