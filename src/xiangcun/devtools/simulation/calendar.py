"""The demo ledger's calendar: which days a station operates, and the seasonal factor of each service
kind on each day (docs/demo.md, "Seasonality"). Pure functions of the date."""

from datetime import date, datetime, time, timedelta

from xiangcun.network.choices import SiteStatus
from xiangcun.stations.choices import ServiceKind

from .draws import TZ

# Spring Festival (春节, lunar new year's day) of the simulated years.
SPRING_FESTIVAL = {
    2016: date(2016, 2, 8),
    2017: date(2017, 1, 28),
    2018: date(2018, 2, 16),
    2019: date(2019, 2, 5),
}
PP, PS, BILL, CASH, IC, LIFE = (
    ServiceKind.PROXY_PURCHASE,
    ServiceKind.PROXY_SALE,
    ServiceKind.BILL_PAYMENT,
    ServiceKind.CASH_WITHDRAWAL,
    ServiceKind.INSURANCE_CREDIT,
    ServiceKind.LIFE_SERVICE,
)
KINDS = (PP, PS, BILL, CASH, IC, LIFE)
# The weeks before the festival (年货, cash for the holidays): factor per kind; the festival week and the
# week after it (shops closed, people visiting family) damp everything.
PRE_FESTIVAL_DAYS = 25
PRE_FESTIVAL = {PP: 1.6, PS: 1.8, BILL: 1.3, CASH: 2.2, IC: 1.0, LIFE: 1.4}
FESTIVAL_DIP = ((0, 6, 0.25), (7, 14, 0.7))  # (first day, last day after the festival, factor)
# Harvests: wheat (June) and the autumn harvest (peanuts, sweet potatoes, millet; mid-Sep – Oct) fill
# the proxy sales.
WHEAT_HARVEST = ((6, 1), (6, 25), 2.5)
AUTUMN_HARVEST = ((9, 10), (10, 31), 3.0)
# Shopping festivals for proxy purchases: 11·11 and 6·18 (the day, the days around it, the run-up).
SHOPPING_DAYS = (
    ((11, 11), 5.0, ((11, 10), (11, 12)), 2.0, ((11, 1), (11, 9)), 1.3),
    ((6, 18), 3.0, ((6, 16), (6, 19)), 1.6, ((6, 1), (6, 15)), 1.2),
)
# Insurance premiums (城乡居民医保) are collected in the autumn for the next year.
PREMIUM_SEASON = ((9, 1), (12, 20), 1.5)
WEEKEND = {PP: 1.1, LIFE: 1.1}


def _in(day: date, first: tuple[int, int], last: tuple[int, int]) -> bool:
    return first <= (day.month, day.day) <= last


def season(kind: str, day: date) -> float:
    """The seasonal factor of `kind` on `day` (1.0 = an ordinary day)."""
    f = 1.0
    festival = SPRING_FESTIVAL[day.year]
    if day > festival + timedelta(days=FESTIVAL_DIP[-1][1]):
        festival = SPRING_FESTIVAL[day.year + 1]
    offset = (day - festival).days
    if -PRE_FESTIVAL_DAYS <= offset < 0:
        # ramps up towards the festival
        f *= 1 + (PRE_FESTIVAL[kind] - 1) * (1 - (-offset - 1) / PRE_FESTIVAL_DAYS) * 1.3
    for first, last, factor in FESTIVAL_DIP:
        if first <= offset <= last:
            f *= factor
    if kind == PS:
        for first, last, factor in (WHEAT_HARVEST, AUTUMN_HARVEST):
            if _in(day, first, last):
                f *= factor
    elif kind == PP:
        md = (day.month, day.day)
        for peak, peak_f, around, around_f, runup, runup_f in SHOPPING_DAYS:
            if md == peak:
                f *= peak_f
            elif _in(day, *around):
                f *= around_f
            elif _in(day, *runup):
                f *= runup_f
    elif kind == BILL and _in(day, *PREMIUM_SEASON[:2]):
        f *= PREMIUM_SEASON[2]
    if day.weekday() >= 5:
        f *= WEEKEND.get(kind, 1.0)
    return f


def status_on(history, moment: datetime) -> str | None:
    """The site status at `moment` from a [(status, effective_at)] history (the last change at or
    before it), None before the first."""
    status = None
    for to_status, at in history:
        if at <= moment:
            status = to_status
        else:
            break
    return status


def operating_days(history, opens: time, first: date, last: date) -> list[date]:
    """Days in [first, last] on which the site is operating at the opening of its window (the same
    rule as `stations.uptime.operating_days`)."""
    days = []
    day = first
    while day <= last:
        if status_on(history, datetime.combine(day, opens, tzinfo=TZ)) == SiteStatus.OPERATING:
            days.append(day)
        day += timedelta(days=1)
    return days
