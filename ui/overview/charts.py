"""The overview's bar charts over time, as plotly figures built from the frames of
pipeline.queries.overview: statuses stacked per bucket (as shares or counts), mails per
provider. Every bar carries its segment (ui.overview.drill.segment_data) so that a click opens
exactly its mails. No Streamlit here.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from pipeline.filters.periods import Bucket
from pipeline.i18n import has_key, t
from pipeline.i18n.numbers import format_count, format_percent
from pipeline.rules.statuses import IN_FLIGHT_STATUSES, STATUS_COLOURS, STATUS_KEYS, status_label
from ui.overview.chart_style import (
    FALLBACK_COLOURS,
    PROVIDER_COLOURS,
    STACK_ORDER,
    bucket_labels,
    hover_bucket,
    layout,
    percent_suffix,
    period_of,
)
from ui.overview.drill import segment_data


def status_bars(frame: pd.DataFrame, bucket: Bucket, lang: str, *, share: bool = True) -> go.Figure:
    """Mails per bucket stacked by status (frame: counts_over_time): as shares of the bucket's
    mails (`share`, each bar 100 %: a bad month stands out whatever its volume) or as counts."""
    labels = bucket_labels(frame, bucket, lang)
    figure = go.Figure()
    totals = frame["mails"].tolist()
    for status in STACK_ORDER:
        column = f"status_{status}"
        if not frame[column].any() and status in IN_FLIGHT_STATUSES:
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
                segment_data(period_of(row), count=row[column], statuses=(status,))
                for row in frame.to_dict("records")
            ],
            hovertext=[
                t(
                    "chart.hover.status",
                    lang,
                    bucket=hover_bucket(row, bucket, lang),
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
        figure.update_yaxes(range=[0, 100], ticksuffix=percent_suffix(lang))
    else:
        figure.update_yaxes(tickformat=",d")  # "3 000", not "3k"
    return layout(
        figure,
        lang,
        title=t("chart.statuses.title", lang),
        x_title=t(f"chart.axis.{bucket}", lang),
        y_title=t("chart.axis.share" if share else "chart.axis.mails", lang),
    )


def volume_bars(frame: pd.DataFrame, bucket: Bucket, lang: str) -> go.Figure:
    """Mails per bucket stacked by provider (frame: volume_over_time by provider)."""
    figure = go.Figure()
    for index, (provider, rows) in enumerate(frame.groupby("value", sort=True)):
        rows = rows.sort_values("bucket")
        name = t(f"provider.{provider}", lang) if has_key(f"provider.{provider}") else provider
        records = rows.to_dict("records")
        figure.add_bar(
            x=bucket_labels(rows, bucket, lang),
            y=rows["mails"].tolist(),
            name=name,
            marker_color=PROVIDER_COLOURS.get(provider, FALLBACK_COLOURS[index % 6]),
            customdata=[
                segment_data(
                    period_of(row), count=row["mails"], dimension="provider", value=provider
                )
                for row in records
            ],
            hovertext=[
                t(
                    "chart.hover.provider",
                    lang,
                    bucket=hover_bucket(row, bucket, lang),
                    provider=name,
                    count=int(row["mails"]),
                )
                for row in records
            ],
            hovertemplate="%{hovertext}<extra></extra>",
        )
    figure.update_layout(barmode="stack")
    figure.update_yaxes(tickformat=",d")
    return layout(
        figure,
        lang,
        title=t("chart.providers.title", lang),
        x_title=t(f"chart.axis.{bucket}", lang),
        y_title=t("chart.axis.mails", lang),
    )
