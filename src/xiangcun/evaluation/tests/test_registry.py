import re
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from xiangcun.evaluation import registry
from xiangcun.evaluation.indicators_doc import render_markdown
from xiangcun.evaluation.scorecard import COMPUTED, COMPUTED_VETO, computed_ids

SEED = Path(registry.__file__).parents[1] / "data" / "daming-2017-rural-ecommerce-work-plan.zh.txt"
DOCS = Path(__file__).resolve().parents[4] / "docs" / "indicators.md"


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def seed() -> str:
    return SEED.read_text(encoding="utf-8")


def test_ids_are_unique_and_well_formed():
    ids = [i.id for i in registry.INDICATORS]
    assert len(ids) == len(set(ids)) == 107
    for i in registry.INDICATORS:
        assert re.fullmatch(r"R\d+(\.\d+)?-[a-z0-9-]+", i.id), i.id
        assert i.id.startswith(f"{i.ref}-"), i.id
        assert i.requirement in registry.REQUIREMENTS


EXPECTED_IDS = [
    "R1.1-county-center",
    "R1.1-county-center-standard",
    "R1.2-county-warehouse",
    "R1.2-logistics-standard",
    "R1.3-township-centers",
    "R1.3-express-township-coverage",
    "R1.4-stations",
    "R1.4-station-standard",
    "R1.4-one-funded-station-per-village",
    "R1.5-village-coverage",
    "R1.5-poor-village-coverage",
    "R1.5-broadband-coverage",
    "R1-facility-standard-compliance",
    "R2-terminal-online-rate",
    "R2-orders-per-station-month",
    "R2-turnover-per-station-month",
    "R3-carriers",
    "R3-delivery-days",
    "R3-layout-plan",
    "R4-brands",
    "R4-county-brand",
    "R4-products",
    "R4-circulation-standard",
    "R5-trace-enterprises",
    "R6-training-person-times",
    "R6-talents",
    "R6-incubation-turnover",
    "R7-poor-household-training-rate",
    "R8-fund-upstream",
    "R8-fund-standardization",
    "R8-fund-processing",
    "R8-fund-logistics",
    "R8-fund-service-network",
    "R8-fund-county-center",
    "R8-fund-stations",
    "R8-fund-training",
    "R8-fund-adjustment",
    "R8-publicity-days",
    "R8-first-advance",
    "R8-retention",
    "R10-stations-by-2018-08",
    "R10-acceptance-application",
    "R11-research-reports",
    "R12-transactions-growth",
    "R12-farm-sales-growth",
    "R13-reporting",
    "R13-disclosure",
    "R13-plan-change",
    "R13-progress",
    "R13-other",
]


def test_expected_ids_are_present():
    assert [i for i in EXPECTED_IDS if i not in registry.BY_ID] == []


# (id, target, comparator, unit): the plan's figures, read off the source by hand.
PLAN_TARGETS = [
    ("R1.1-county-center", 1, ">=", "count"),
    ("R1.2-county-warehouse", 1, ">=", "count"),
    ("R1.3-township-centers", 5, ">=", "count"),
    ("R1.4-stations", 350, ">=", "count"),
    ("R1.5-village-coverage", 50, ">=", "%"),
    ("R1.5-poor-village-coverage", 100, ">=", "%"),
    ("R1.5-broadband-coverage", 90, ">=", "%"),
    ("R1.3-express-township-coverage", 100, ">=", "%"),
    ("R2-terminal-online-rate", 95, ">=", "%"),
    ("R2-orders-per-station-month", 50, ">=", "orders/station/month"),
    ("R2-turnover-per-station-month", 2000, ">=", "yuan/station/month"),
    ("R3-carriers", 2, ">=", "count"),
    ("R3-delivery-days", 7, "<=", "days"),
    ("R3-layout-plan", date(2018, 1, 31), "<=", "date"),
    ("R4-brands", 5, ">=", "count"),
    ("R4-county-brand", 1, ">=", "count"),
    ("R4-products", (5, 10), "between", "count"),
    ("R4-circulation-standard", 1, ">=", "count"),
    ("R5-trace-enterprises", (1, 3), "between", "count"),
    ("R6-training-person-times", 3000, ">=", "person-times"),
    ("R6-talents", 1000, ">=", "persons"),
    ("R6-incubation-turnover", 30000, ">=", "yuan/year"),
    ("R7-poor-household-training-rate", 80, ">=", "%"),
    ("R8-fund-upstream", 65, "<=", "%"),
    ("R8-fund-standardization", 20, "<=", "%"),
    ("R8-fund-processing", 15, "<=", "%"),
    ("R8-fund-logistics", 30, "<=", "%"),
    ("R8-fund-service-network", 20, "<=", "%"),
    ("R8-fund-county-center", 10, "<=", "%"),
    ("R8-fund-stations", 10, "<=", "%"),
    ("R8-fund-training", 15, "<=", "%"),
    ("R8-fund-adjustment", 2, "<=", "%"),
    ("R8-publicity-days", 10, ">=", "working days"),
    ("R8-first-advance", 60, ">=", "%"),
    ("R8-retention", 10, ">=", "%"),
    ("R10-stations-by-2018-08", 350, ">=", "count"),
    ("R10-acceptance-application", date(2018, 10, 31), "<=", "date"),
    ("R11-research-reports", 5, ">=", "count"),
    ("R12-transactions-growth", 20, ">=", "%"),
    ("R12-rural-retail-growth", 20, ">=", "%"),
    ("R12-farm-sales-growth", 30, ">=", "%"),
    ("R13-progress", 40, ">=", "%"),
]


@pytest.mark.parametrize(("indicator_id", "target", "comparator", "unit"), PLAN_TARGETS)
def test_plan_targets_are_transcribed(indicator_id, target, comparator, unit):
    ind = registry.get(indicator_id)
    assert (ind.target, ind.comparator, ind.unit) == (target, comparator, unit)


def test_fund_shares_add_up_as_in_the_plan():
    share = {i.id: i.target for i in registry.INDICATORS if i.id.startswith("R8-fund-") and i.unit == "%"}
    assert share["R8-fund-standardization"] + share["R8-fund-processing"] + share["R8-fund-logistics"] == 65
    assert share["R8-fund-county-center"] + share["R8-fund-stations"] == share["R8-fund-service-network"]
    assert share["R8-fund-upstream"] + share["R8-fund-service-network"] + share["R8-fund-training"] == 100


def test_veto_items_are_exactly_the_five_of_r13():
    veto = registry.veto_items()
    assert [v.id for v in veto] == [
        "R13-reporting",
        "R13-disclosure",
        "R13-plan-change",
        "R13-progress",
        "R13-other",
    ]
    assert [v.standard_row for v in veto] == ["信息报送", "政务公开", "工作方案", "进度缓慢", "其他事项"]
    assert all(v.group == "veto" and v.ref == "R13" for v in veto)
    assert [i for i in registry.INDICATORS if i.group == "veto" and not i.veto] == []
    assert len(registry.scored()) + len(veto) == len(registry.INDICATORS)


def test_vocabularies_and_target_shapes():
    for i in registry.INDICATORS:
        assert i.comparator in registry.COMPARATORS, i.id
        assert i.unit in registry.UNITS, i.id
        assert i.measured in registry.MEASURED, i.id
        assert i.group in registry.GROUPS, i.id
        assert i.weight is None, i.id  # the source gives no weights
        assert i.name_zh and i.name_en and i.module, i.id
        assert re.search(r"[\u4e00-\u9fff]", i.name_zh), i.id
        if i.comparator == "bool":
            assert i.target is True and i.unit == "", i.id
        elif i.comparator == "between":
            low, high = i.target
            assert low < high, i.id
        elif i.unit == "date":
            assert isinstance(i.target, date) and i.comparator == "<=", i.id
        else:
            assert isinstance(i.target, int) and not isinstance(i.target, bool), i.id
        if i.deadline is not None:
            assert i.measured == "data", i.id


def test_every_row_of_the_standard_is_transcribed():
    rows = Counter(i.standard_row for i in registry.INDICATORS if i.standard_row)
    assert set(rows) == set(registry.STANDARD_ROWS)
    assert len(registry.STANDARD_ROWS) == 27
    # 人才培训 has two rows in the standard: both are quoted.
    training = " ".join(i.quote for i in registry.INDICATORS if i.standard_row == "人才培训")
    assert "初步建立多层次培训体系" in training
    assert "建立培训后服务机制" in training


def test_quotes_are_verbatim(seed):
    text = _squash(seed)
    for i in registry.INDICATORS:
        assert i.quote_fragments, i.id
        for fragment in i.quote_fragments:
            assert _squash(fragment) in text, (i.id, fragment)


def test_quotes_cover_the_whole_standard(seed):
    """Every criterion of the standard's table is quoted by some indicator (only punctuation is left)."""
    title = "大名县电子商务进农村综合示范项目建设运营参考标准"
    table = seed[seed.index(title) + len(title) : seed.index("网站导航")]
    quotes = sorted(
        {_squash(f) for i in registry.INDICATORS for f in i.quote_fragments}, key=len, reverse=True
    )
    criteria = [_squash(line) for line in table.splitlines() if len(line.strip()) > 12]
    assert len(criteria) == 28  # the 27 rows' criteria + the program-sign line under 县服务中心
    for line in criteria:
        rest = line
        for q in quotes:
            rest = rest.replace(q, "|")
        assert re.sub(r"[|,;。、:()]", "", rest) == "", line


def test_plan_headline_targets_are_quoted(seed):
    """The plan's 总体目标 sentence: each figure is quoted by an indicator."""
    quoted = " ".join(i.quote for i in registry.INDICATORS)
    for phrase in [
        "1个县级农村电子商务公共服务中心",
        "1个县级仓储物流配送中心",
        "5个乡镇级物流配送中心",
        "350个以上村级服务站",
        "覆盖率达到50%以上",
        "建档立卡贫困村覆盖率达到100%",
        "农村网络零售额同比增长20%",
        "农产品网络零售同比增长30%",
        "电商培训3000人次以上",
        "培养专业电商人才1000人以上",
        "培训率达80%以上",
        "公示期不少于10个工作日",
        "首期预拨资金不低于60%(900万元)",
        "预留10%(150万元)尾款",
        "2018年1月底前完成县、乡镇两级物流配送中心布局规划",
        "2018年10月底",
    ]:
        assert phrase in seed and phrase in quoted, phrase


def test_computed_ids_exist_and_are_data_measured():
    for indicator_id in computed_ids():
        ind = registry.get(indicator_id)
        assert ind.measured == "data", indicator_id
        assert ind.module in {"network", "regions", "stations", "reporting", "logistics", "planning"}, (
            indicator_id
        )
    assert set(COMPUTED_VETO) == {"R13-progress"}
    assert not any(registry.get(i).veto for i in COMPUTED)
    # Every indicator of the network, station, logistics and planning modules measured from data is
    # computed in this version, but the delivery ledger's completeness (no rule from records yet).
    built = {"network", "regions", "stations", "logistics", "planning"}
    measured = {i.id for i in registry.INDICATORS if i.module in built and i.measured == "data"}
    assert measured - {"R3-delivery-ledger"} | {"R12-transactions-growth"} == computed_ids()


def test_docs_match_the_registry():
    assert DOCS.read_text(encoding="utf-8") == render_markdown(computed_ids()), (
        "docs/indicators.md is out of date: run "
        "`.venv/bin/python -m xiangcun.evaluation.indicators_doc > docs/indicators.md`"
    )
