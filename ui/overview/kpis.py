"""The overview's KPI cards (value, change against the previous period, definition on hover,
sparkline, and the count of the mails behind it as a link to them) and its warnings, one box
per problem. Numbers come from pipeline queries through the page; words from
i18n/overview.toml; every count opens Explore on its mails (ui.overview.drill).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import streamlit as st

from pipeline.filters.mail_filter import MailFilter
from pipeline.i18n.numbers import (
    format_change,
    format_count,
    format_percent,
    format_points,
    rounds_to_no_change,
)
from pipeline.queries.overview import in_period, segment_filter
from pipeline.reports.alerts import (
    AlertGroup,
    alert_advice,
    alert_facts,
    alert_filter,
    alert_text,
    slice_name,
)
from pipeline.rules.deliverability import FAILURE_RATES, NUMERATOR_FILTERS, RATES
from ui.app.shell import Page
from ui.overview.drill import explore_button
from ui.overview.selection import Selection

# The cards, in order: a rate key of deliverability.RATES, or "mails".
KPIS = ("mails", "delivery", "open", *FAILURE_RATES, "complaint")


KPI_CARD_WIDTH = (
    168  # px: "94,2 %" with its change, the longest label, a sparkline; 3 a row at 1024
)


def kpi_cards(
    view: Page,
    selection: Selection,
    current: Mapping[str, int],
    previous: Mapping[str, int],
    previous_complete: bool,
    trend: pd.DataFrame,
) -> None:
    """Six cards: value, change against the previous period, definition on hover, a sparkline
    per bucket, and the count of the mails behind it as a link to them."""
    base = in_period(selection.mail_filter, selection.period)
    # A row that wraps, of cards as wide as their figures need: six equal columns cut the
    # figures and labels short on a 1024 px screen.
    with st.container(horizontal=True, wrap=True, gap="small"):
        for kpi in KPIS:
            _card(view, kpi, base, current, previous, previous_complete, trend)


def _card(
    view: Page,
    kpi: str,
    base: MailFilter,
    current: Mapping[str, int],
    previous: Mapping[str, int],
    previous_complete: bool,
    trend: pd.DataFrame,
) -> None:
    with st.container(border=True, width=KPI_CARD_WIDTH, height="stretch"):
        if kpi == "mails":
            _mails_card(view, base, current, previous, previous_complete, trend)
        else:
            _rate_card(view, kpi, base, current, previous, trend)


def alerts_section(view: Page, groups: Sequence[AlertGroup], selection: Selection) -> None:
    """The warnings, one box per problem (a month and a rate); the serious ones shown, the
    points to watch folded. Every count opens its mails."""
    st.subheader(view.t("overview.alerts.title"))
    if not groups:
        st.success(view.t("overview.alerts.none"), icon=":material/check_circle:")
        return
    shown = [g for g in groups if g.level_rank > 1]
    folded = [g for g in groups if g.level_rank <= 1]
    for index, group in enumerate(shown):
        _alert_box(view, group, selection, key=f"overview::alert::{index}")
    if folded:
        with st.expander(view.t("overview.alerts.more", count=len(folded))):
            for index, group in enumerate(folded):
                _alert_box(view, group, selection, key=f"overview::watch::{index}")


# --- pieces -------------------------------------------------------------------------------------


def _mails_card(
    view: Page,
    base: MailFilter,
    current: Mapping[str, int],
    previous: Mapping[str, int],
    previous_complete: bool,
    trend: pd.DataFrame,
) -> None:
    delta = None
    if previous_complete and previous["mails"]:
        delta = format_change(current["mails"] / previous["mails"] - 1, view.lang)
    st.metric(
        view.t("overview.kpi.mails"),
        format_count(current["mails"], view.lang),
        delta=delta,
        delta_color="off",
        help=_help(view, "overview.kpi.definition.mails", current),
        chart_data=trend["mails"].tolist() if len(trend) > 1 else None,
        chart_type="bar",
    )
    _see(view, current["mails"], base, "mails")


def _rate_card(
    view: Page,
    kpi: str,
    base: MailFilter,
    current: Mapping[str, int],
    previous: Mapping[str, int],
    trend: pd.DataFrame,
) -> None:
    definition = RATES[kpi]
    value = definition.of(current)
    before = definition.of(previous)
    change = None if value is None or before is None else value - before
    delta = None if change is None else format_points(change, view.lang)
    counts = view.t(
        "overview.kpi.help_counts",
        numerator=format_count(current[definition.numerator], view.lang),
        denominator=format_count(current[definition.denominator], view.lang),
        base=view.t(f"deliverability.count.{definition.denominator}"),
    )
    series = [definition.of(row) for row in trend.to_dict("records")]
    st.metric(
        view.t(f"overview.kpi.{kpi}"),
        format_percent(value, view.lang),
        delta=delta,
        delta_color="off"
        if change is None or rounds_to_no_change(change)
        else ("normal" if definition.better == "higher" else "inverse"),
        help=_help(view, f"overview.kpi.definition.{kpi}", current, counts),
        chart_data=[v * 100 for v in series if v is not None] if len(series) > 1 else None,
        chart_type="line",
    )
    if kpi == "open":
        machine = RATES["machine_open"].of(current)
        st.caption(view.t("overview.kpi.machine_opens", share=format_percent(machine, view.lang)))
    _see(view, current[definition.numerator], segment_filter(base, **NUMERATOR_FILTERS[kpi]), kpi)


def _help(view: Page, key: str, current: Mapping[str, int], *more: str) -> str:
    """A card's hover text: its definition, its counts, and the mails not counted yet."""
    parts = [view.t(key), *more]
    if current["in_flight"]:
        parts.append(view.t("overview.kpi.in_flight", count=current["in_flight"]))
    return "\n\n".join(parts)


def _see(view: Page, count: int, mail_filter: MailFilter, kpi: str) -> None:
    explore_button(
        view.t("overview.kpi.see", count=count),
        mail_filter,
        view.lang,
        key=f"overview::see::{kpi}",
        help=view.t("overview.kpi.see_help"),
    )


def _alert_box(view: Page, group: AlertGroup, selection: Selection, *, key: str) -> None:
    lead = group.lead
    icon = ":material/error:" if group.level_rank == 3 else ":material/warning:"
    with st.container(border=True, gap="small"):
        st.markdown(
            f"{icon} **{_escape(alert_text(lead, view.lang))}.** "
            f"{_escape(alert_advice(lead, view.lang))}"
        )
        st.caption(_escape(alert_facts(lead, view.lang)))
        with st.container(horizontal=True, gap="small", vertical_alignment="center"):
            explore_button(
                view.t("overview.alerts.see", count=lead.numerator),
                alert_filter(lead, selection.mail_filter, selection.period),
                view.lang,
                key=key,
            )
            if group.slices:
                st.caption(view.t("overview.alerts.most_hit"), width="content")
            for index, alert in enumerate(group.slices):
                explore_button(
                    view.t(
                        "overview.alerts.slice",
                        name=slice_name(alert, view.lang),
                        share=format_percent(alert.share, view.lang),
                        count=format_count(alert.numerator, view.lang),
                    ),
                    alert_filter(alert, selection.mail_filter, selection.period),
                    view.lang,
                    key=f"{key}::{index}",
                    help=alert_facts(alert, view.lang),
                )


def _escape(text: str) -> str:
    """Markdown-safe text (a domain or a type name must not turn into formatting)."""
    for char in ("\\", "*", "_", "`", "[", "]", "$"):
        text = text.replace(char, "\\" + char)
    return text
