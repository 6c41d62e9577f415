"""Random draws for the demo simulator: named sub-generators, weighted sampling, truncated
distributions, working-hours moments, simulated people. Pure; randomness only from the generator passed in."""

import math
import random
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")
SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴孔汤"
)
GIVEN_NAME_CHARS = "建国华明玉兰秀英志强海燕俊峰丽娟军红霞德福文静春梅晓东立新桂芳永胜金凤宏伟淑珍雪松长安"


def for_step(seed: int, step: str) -> random.Random:
    # A str seed is hashed with SHA-512 by random.Random: stable across runs and platforms.
    return random.Random(f"xiangcun-demo:{seed}:{step}")


def weighted_sample(rng: random.Random, items: Sequence, weights: Sequence[float], k: int) -> list:
    """k items without replacement, each drawn with probability ∝ weight (Efraimidis–Spirakis keys)."""
    keyed = [(rng.random() ** (1.0 / w) if w > 0 else -1.0, i) for i, w in enumerate(weights)]
    keyed.sort(key=lambda kv: (-kv[0], kv[1]))
    return [items[i] for _key, i in keyed[:k]]


def truncated_lognormal(rng: random.Random, median: float, sigma: float, low: int, high: int) -> int:
    for _ in range(1000):
        x = round(rng.lognormvariate(math.log(median), sigma))
        if low <= x <= high:
            return x
    return min(max(round(median), low), high)


def choice_weighted(rng: random.Random, options):
    values = [o for o, _w in options]
    return rng.choices(values, weights=[w for _o, w in options])[0]


def moment(rng: random.Random, first: datetime, last: datetime) -> datetime:
    """A random working-hours moment (09:00–17:30) on a day between first and last (inclusive)."""
    days = (last.date() - first.date()).days
    day = first.date() + timedelta(days=rng.randint(0, max(days, 0)))
    minute = rng.randint(9 * 60, 17 * 60 + 30)
    return datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=TZ)


def at(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, tzinfo=TZ)


def dec(x: float, places: int = 6) -> Decimal:
    return Decimal(f"{x:.{places}f}")


def area(x: float) -> Decimal:
    """Round to the nearest half square metre, as surveyed."""
    return Decimal(f"{round(x * 2) / 2:.1f}")


def person(rng: random.Random) -> str:
    given = "".join(rng.choice(GIVEN_NAME_CHARS) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(SURNAMES) + given


_UTC_DAYS: dict[int, str] = {}


def utc_text(epoch: int) -> str:
    """'YYYY-MM-DD HH:MM:SS' of an epoch in UTC (the day part cached: this runs millions of times)."""
    days, s = divmod(epoch, 86400)
    prefix = _UTC_DAYS.get(days)
    if prefix is None:
        prefix = _UTC_DAYS[days] = time.strftime("%Y-%m-%d ", time.gmtime(days * 86400))
    h, s = divmod(s, 3600)
    m, s = divmod(s, 60)
    return f"{prefix}{h:02d}:{m:02d}:{s:02d}"
