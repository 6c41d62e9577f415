"""The types and vocabularies of the indicator registry (see the package docstring)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

Target = int | Decimal | bool | date | tuple[int, int]

# How a value is compared with the target. "between": lo ≤ value ≤ hi (target is (lo, hi));
# "bool": the requirement holds or not (target True); "<=" with a date target: done by that date.
COMPARATORS = (">=", "<=", "==", "between", "bool")

# Units are codes; pages show a translated label (see `scorecard.UNIT_LABELS`).
UNITS = (
    "%",
    "count",
    "persons",
    "person-times",
    "yuan/year",
    "yuan/station/month",
    "orders/station/month",
    "days",
    "working days",
    "date",
    "",
)

# "data": computed from the platform's own records; "evidence": a person assesses uploaded evidence.
MEASURED = ("data", "evidence")

# Sections of the reference standard (参考标准); "plan" for targets only the work plan states.
GROUPS = {
    "hardware": ("硬件设备设施", "Hardware, equipment and facilities"),
    "capacity": ("内生发展能力", "Endogenous development capacity"),
    "organisation": ("组织实施情况", "Organisation and implementation"),
    "performance": ("工作绩效", "Work performance"),
    "veto": ("一票否决", "One-vote veto"),
    "plan": ("工作方案", "Work plan"),
}

# The requirements of PROGRAM.md, in order; the scorecard groups indicators by these.
REQUIREMENTS = {
    "R1": ("三级服务体系", "Service network"),
    "R2": ("服务站运营", "Station operations"),
    "R3": ("仓储物流配送", "Logistics"),
    "R4": ("农村产品上行", "Farm products going up"),
    "R5": ("产品溯源", "Traceability"),
    "R6": ("培训与孵化", "Training and incubation"),
    "R7": ("电商扶贫", "Poverty alleviation"),
    "R8": ("专项资金", "The special fund"),
    "R9": ("信息报送", "Reporting"),
    "R10": ("工作安排", "Schedule"),
    "R11": ("组织实施、政务公开", "Governance and disclosure"),
    "R12": ("工作绩效", "Performance targets"),
    "R13": ("一票否决", "One-vote veto"),
}

# The rows of the reference standard, in the standard's order (人才培训 has two rows).
STANDARD_ROWS = (
    "县服务中心",
    "仓储物流配送体系",
    "电商服务站",
    "宽带网络",
    "电商服务业",
    "服务站运营",
    "仓储物流配送",
    "产品研发",
    "电商孵化",
    "产品溯源",
    "人才培训",
    "人才培训",
    "开放共享",
    "组织协调",
    "项目管理",
    "资金管理",
    "促进政策",
    "宣传推广",
    "电商促进",
    "促进销售",
    "电商扶贫",
    "带动升级",
    "信息报送",
    "政务公开",
    "工作方案",
    "进度缓慢",
    "其他事项",
)


@dataclass(frozen=True)
class Indicator:
    """One thing the program is judged on (绩效指标): a row of the standard or a target of the plan.

    `target` is a number (in `unit`), a (lo, hi) range, True for a yes/no requirement, or a date.
    `deadline` (optional) is the date at which the indicator is judged (schedule milestones);
    otherwise it is judged at the end of the scorecard's year. `weight` is None everywhere: the
    source gives no weights (the field is kept for the national indicator system, which does).
    `module` names the app whose records measure it (or where its evidence is kept).
    """

    id: str
    ref: str
    name_zh: str
    name_en: str
    target: Target
    comparator: str
    unit: str
    measured: str
    group: str
    module: str
    quote: str
    standard_row: str = ""
    veto: bool = False
    weight: Decimal | None = None
    deadline: date | None = None

    @property
    def requirement(self) -> str:
        """The top-level requirement id (R1…R13) of `ref` (R1.5 → R1)."""
        return self.ref.split(".")[0]

    @property
    def quote_fragments(self) -> list[str]:
        return [f for f in self.quote.split("……") if f]


YES = True
