"""Overview: are our mails arriving? KPIs against the previous period, warnings in plain words,
statuses and rates over time, breakdowns. Every number and chart segment opens Explore on
exactly its mails."""

import datetime as dt
from zoneinfo import ZoneInfo

import streamlit as st

from pipeline.filters.periods import anchor_day
from pipeline.queries import overview as q
from pipeline.reports.alerts import find_alerts, group_alerts
from ui.app.db import cached_query
from ui.app.shell import page
from ui.overview import breakdown_charts, charts, rate_charts
from ui.overview.drill import drill_chart
from ui.overview.figure_cache import cached_figure
from ui.overview.kpis import alerts_section, kpi_cards
from ui.overview.selection import bucket_switch, period_caption, scale_switch, selection_bar

TOP_DOMAINS = 10
TOP_SESSIONS = 10
status_bars, volume_bars = cached_figure(charts.status_bars), cached_figure(charts.volume_bars)
failure_rates = cached_figure(rate_charts.failure_rates)
engagement_rates = cached_figure(rate_charts.engagement_rates)
complaint_rates = cached_figure(rate_charts.complaint_rates)
breakdown_bars = cached_figure(breakdown_charts.breakdown_bars)

view = page("nav.overview")
today = dt.datetime.now(ZoneInfo(view.settings.timezone)).date()
oldest, newest = cached_query(q.data_days)(view.snapshot)
if oldest is None or newest is None:  # both or neither: min and max of the same rows
    st.info(view.t("app.empty_database"))
    st.stop()
anchor = anchor_day(today, newest)

selection = selection_bar(view, anchor, oldest, cached_query(q.filter_choices)(view.snapshot))
period, mail_filter = selection.period, selection.mail_filter
in_period = q.in_period(mail_filter, period)
current = cached_query(q.counts)(view.snapshot, in_period)
previous = cached_query(q.counts)(view.snapshot, q.in_period(mail_filter, period.previous()))
period_caption(view, period, anchor, today, oldest, previous["mails"])
if not current["mails"]:
    st.info(view.t("overview.empty"))
    st.stop()
kpi_area = st.container()

slices = cached_query(q.monthly_slices)(view.snapshot, mail_filter, period)
alerts_section(view, group_alerts(find_alerts(slices.to_dict("records"))), selection)

heading, scale, switch = st.columns([1.8, 1.1, 1.5], vertical_alignment="bottom")
heading.subheader(view.t("overview.section.trends"))
with scale:
    share = scale_switch(view)
with switch:
    bucket = bucket_switch(view, period)
trend = cached_query(q.counts_over_time)(view.snapshot, mail_filter, period, bucket)
with kpi_area:
    kpi_cards(view, selection, current, previous, oldest <= period.previous().start, trend)

scope = (period, mail_filter, bucket, share, view.lang)


def chart(figure, name: str) -> None:
    drill_chart(figure, mail_filter, view.lang, key=f"overview::{name}", scope=scope)


left, right = st.columns(2)
with left:
    chart(status_bars(trend, bucket, view.lang, share=share), "statuses")
with right:
    chart(failure_rates(trend, bucket, view.lang), "failures")
left, right = st.columns(2)
with left:
    chart(engagement_rates(trend, bucket, view.lang), "engagement")
with right:
    chart(complaint_rates(trend, bucket, view.lang), "complaints")
st.caption(view.t("overview.guard_note"))

st.subheader(view.t("overview.section.breakdowns"))
providers = cached_query(q.volume_over_time)(view.snapshot, mail_filter, period, bucket, "provider")
left, right = st.columns(2)
with left:
    chart(volume_bars(providers, bucket, view.lang), "providers_over_time")
with right:
    for dimension in ("provider", "recipient_kind"):
        frame = cached_query(q.breakdown)(view.snapshot, in_period, dimension)
        chart(breakdown_bars(frame, dimension, period, view.lang), dimension)

frame = cached_query(q.breakdown)(view.snapshot, in_period, "email_type")
chart(breakdown_bars(frame, "email_type", period, view.lang), "email_type")
unknown = current["mails"] - int(frame["mails"].sum())
if unknown:
    st.caption(view.t("overview.missing_from_breakdowns", count=unknown))
frame = cached_query(q.breakdown)(view.snapshot, in_period, "recipient_domain", TOP_DOMAINS)
chart(breakdown_bars(frame, "recipient_domain", period, view.lang), "recipient_domain")
frame = cached_query(q.sessions_with_most_failures)(view.snapshot, in_period, TOP_SESSIONS)
if len(frame):
    chart(breakdown_bars(frame, "session", period, view.lang, failures_only=True), "session")
