"""Write the sample list (sample_list.xlsx) and the empty template (template.xlsx) of the emission-reduction list.

Run ``python -m reductions.data.make_sample`` from the repository root. Deterministic (a fixed seed):
the same script writes the same rows. Every name is invented and marked 【示例】 (sample data); the
towns, streets, parks and supervising units are the roster's (units/data/roster.json); the credit
codes carry Jiangjin's division code 500116 and a correct GB 32100-2015 check character but belong
to no one. ``SAMPLE_INVENTORY`` holds the district totals the demo records with the sample.
"""

from __future__ import annotations

import json
import os
import random
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SAMPLE = HERE / "sample_list.xlsx"
TEMPLATE = HERE / "template.xlsx"
YEAR = 2026
SAMPLE_TITLE = f"{YEAR}年度江津区重污染天气应急减排清单（示例数据，企业与工地名称均为虚构）"
SAMPLE_MARK = "【示例】"
SEED = 20261129
N_ENTERPRISES, N_SITES = 120, 60

# District totals (全社会排放总量, t/yr) recorded with the sample: invented, chosen so that the sample meets the
# yellow target and falls short for VOCs at orange and red, which is what a real list often shows (counted, as the
# national shares are, for a PM2.5 episode: selectors.target_progress).
SAMPLE_INVENTORY = {"pm": Decimal("4100"), "so2": Decimal("6200"), "nox": Decimal("14000"), "vocs": Decimal("9300")}
SAMPLE_INVENTORY_SOURCE = "示例：江津区大气污染源排放清单（虚构数据）"

# industry: (pm, so2, nox, vocs) ranges in t/yr, whether it may be essential to livelihoods, whether it runs lorries
INDUSTRIES = {
    "水泥制造": ((20, 80), (10, 60), (100, 400), (0, 2), False, True),
    "火力发电": ((30, 90), (100, 380), (200, 560), (1, 5), True, True),
    "钢铁铸造": ((10, 60), (5, 40), (20, 120), (1, 10), False, True),
    "砖瓦制造": ((5, 30), (5, 50), (5, 40), (0, 1), False, True),
    "玻璃制造": ((5, 20), (10, 60), (30, 150), (0, 1), False, True),
    "陶瓷制造": ((5, 25), (5, 30), (10, 50), (0, 1), False, True),
    "化学原料制造": ((1, 10), (1, 30), (5, 50), (20, 120), False, True),
    "家具制造": ((1, 5), (0, 0), (0, 2), (5, 60), False, False),
    "包装印刷": ((0, 2), (0, 0), (0, 2), (5, 40), False, False),
    "汽车零部件涂装": ((1, 8), (0, 2), (1, 10), (20, 150), False, True),
    "机械加工": ((1, 6), (0, 2), (1, 8), (2, 20), False, False),
    "造纸": ((3, 15), (5, 40), (10, 60), (1, 5), False, True),
    "食品加工": ((1, 5), (0, 5), (2, 15), (0, 2), True, False),
    "医药制造": ((0, 3), (0, 3), (1, 10), (5, 40), True, False),
    "生活垃圾焚烧发电": ((1, 5), (2, 15), (10, 60), (1, 5), True, True),
}
WORDS = ["鑫达", "恒远", "华瑞", "江腾", "嘉禾", "永泰", "瑞丰", "宏图", "金峰", "长鑫", "德润", "通源", "锦程", "聚力",
         "天宇", "博远", "盛世", "兴旺", "中联", "新桥", "丰源", "汇通", "凯达", "富民", "明珠", "祥和", "远航", "卓越",
         "东升", "西城", "南岸", "北斗", "青山", "绿源", "蓝天", "红岩", "银河", "玉龙", "海纳", "万象"]
REGIONS = ["重庆", "江津", "渝西"]
ROADS = ["工业大道", "滨江路", "鼎山大道", "园区一路", "园区二路", "临港大道", "双福大道", "德感大道", "白沙大道", "珞璜路",
         "创业路", "科技路", "兴业路", "环城路"]
GRADES = ["A"] * 10 + ["B"] * 25 + ["C"] * 30 + ["D"] * 20 + ["引领性"] * 5 + ["未分级"] * 10
# grade → fraction of baseline cut at yellow, orange, red, and the words of the measure
GRADE_MEASURES = {
    "引领性": [(0, "自主采取减排措施")] * 3,
    "A": [(0, "自主采取减排措施")] * 3,
    "B": [(0.2, "限产20%"), (0.3, "限产30%"), (0.5, "限产50%")],
    "C": [(0.3, "限产30%"), (0.5, "限产50%"), (1, "停产")],
    "D": [(0.5, "限产50%"), (1, "停产"), (1, "停产")],
    "未分级": [(0.4, "限产40%"), (0.6, "限产60%"), (1, "停产")],
}
LEVELS = ["黄色", "橙色", "红色"]
TRUCKS = "停止使用国四及以下柴油货车运输"
# The episode causes each kind of measure applies to (alerts.choices.Cause; the 适用成因 column). Production cuts
# act on fine particles (a PM2.5, smoke or transport episode); VOC measures on ozone and on PM2.5's secondary part;
# midday NOx cuts on ozone only; dust measures on dust and PM2.5; diesel lorries' NOx and soot on PM2.5, ozone and transport.
FINE = ["pm2_5", "smoke", "transport"]
VOC = ["pm2_5", "ozone"]
OZONE_ONLY = ["ozone"]
DUST = ["pm2_5", "dust"]
LORRY = ["pm2_5", "ozone", "transport"]
# Industries with a VOC process: the measure at yellow, orange, red and the share of VOCs it cuts.
VOC_MEASURES = {
    "家具制造": [(0.3, "喷涂作业错峰至夜间进行"), (0.8, "停止喷涂作业"), (1, "停止喷涂、调漆和晾干作业")],
    "汽车零部件涂装": [(0.3, "喷涂作业错峰至夜间进行"), (0.8, "停止喷涂作业"), (1, "停止喷涂、调漆和晾干作业")],
    "包装印刷": [(0.3, "减少使用溶剂型油墨，印刷作业错峰"), (0.7, "停止印刷、覆膜等涉VOCs工序"), (0.9, "停止印刷、覆膜等涉VOCs工序")],
    "化学原料制造": [(0.2, "储罐装卸和清洗错峰至夜间"), (0.5, "停止涉VOCs物料装卸和储罐清洗"), (0.7, "停止涉VOCs物料装卸和储罐清洗，反应釜降负荷")],
    "医药制造": [(0.2, "溶剂回收设施满负荷运行"), (0.5, "停止溶剂提取等涉VOCs工序"), (0.7, "停止溶剂提取等涉VOCs工序")],
}
# High-NOx industries: a midday load cut in an ozone episode (orange and red), with the share of NOx it cuts.
NOX_MIDDAY = {"水泥制造": 0.15, "火力发电": 0.1, "玻璃制造": 0.15}
NOX_MIDDAY_TEXT = "12时至18时降负荷运行，氮氧化物减排{pct}%"
# Industries with open material yards: covering and no open handling (orange and red), with the share of PM it cuts.
YARDS = {"水泥制造": 0.05, "砖瓦制造": 0.05, "陶瓷制造": 0.05, "钢铁铸造": 0.03}
YARD_TEXT = "物料堆场全部苫盖，停止露天物料装卸和倒运"
SITE_KINDS = {  # kind: supervising units, dust PM range (t/yr), measures at yellow/orange/red with the share of dust cut
    "房屋建筑": (["housing-construction"], (1, 6), [(0.2, "增加洒水降尘频次，落实“六个百分之百”"), (0.6, "停止土石方作业、建筑拆除和混凝土浇筑"), (1, "停止所有室外施工作业（应急抢险除外）")]),
    "市政工程": (["urban-management", "transport"], (1, 5), [(0.2, "增加洒水降尘频次"), (0.6, "停止土石方作业和道路开挖"), (1, "停止所有室外施工作业（应急抢险除外）")]),
    "拆除工程": (["housing-construction"], (1, 4), [(0.3, "拆除作业全程湿法作业"), (1, "停止拆除作业"), (1, "停止拆除作业")]),
    "土石方": (["housing-construction", "urban-management"], (2, 8), [(0.3, "裸土全部覆盖，增加洒水频次"), (1, "停止土石方作业"), (1, "停止土石方作业")]),
    "码头堆场": (["transport"], (2, 10), [(0.2, "堆场全部苫盖，增加喷淋"), (0.5, "停止散货装卸作业"), (1, "停止散货装卸和倒运作业")]),
    "混凝土搅拌站": (["housing-construction"], (1, 5), [(0.3, "限产30%，料场全封闭"), (0.6, "限产60%"), (1, "停产")]),
}
SITE_KIND_WEIGHTS = {"房屋建筑": 22, "市政工程": 12, "拆除工程": 5, "土石方": 9, "码头堆场": 6, "混凝土搅拌站": 6}
# The office's words → the platform's choice keys (reductions.choices; the workbook writes the words back).
GRADE_KEY = {"A": "A", "B": "B", "C": "C", "D": "D", "引领性": "leading", "未分级": "ungraded"}
LIVELIHOOD_KEY = {"否": "no", "豁免": "exempt", "减量": "reduced"}
KIND_KEY = {"房屋建筑": "building", "市政工程": "municipal", "拆除工程": "demolition", "土石方": "earthworks",
            "码头堆场": "wharf_yard", "混凝土搅拌站": "concrete_plant"}
LEVEL_KEY = {"黄色": "yellow", "橙色": "orange", "红色": "red"}
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [pow(3, i, 31) for i in range(17)]


def _check(first17: str) -> str:
    return CHARSET[(31 - sum(CHARSET.index(c) * w for c, w in zip(first17, WEIGHTS)) % 31) % 31]


def _t(rng: random.Random, low: float, high: float) -> Decimal:
    return Decimal(str(round(rng.uniform(low, high), 3))) if high > 0 else Decimal("0")


def build() -> tuple[list, list, list]:
    """The sample's enterprises, sites and measures as plain objects in the shape ``xlsx.workbook_write`` reads."""
    rng = random.Random(SEED)
    units = {u["code"]: u for u in json.loads((ROOT / "units" / "data" / "roster.json").read_text("utf-8"))["units"]}
    unit = lambda code: SimpleNamespace(name=units[code]["name"], code=code)  # noqa: E731
    parks = [c for c, u in units.items() if u["kind"] == "park"]
    industrial_towns = ["street-jijiang", "town-luohuang", "street-degan", "street-shuangfu", "town-baisha", "town-zhiping", "town-xihu",
                        "town-youxi", "town-longhua", "town-lishi", "town-xianfeng", "town-dushi", "town-jiasi"]
    all_towns = [c for c, u in units.items() if u["kind"] == "township"]
    enterprises, sites, measures = [], [], []
    used = set()
    industries = list(INDUSTRIES)
    for i in range(N_ENTERPRISES):
        industry = industries[i % len(industries)] if i < len(industries) else rng.choice(industries)
        pm, so2, nox, vocs, livelihood_ok, lorries = INDUSTRIES[industry]
        town = rng.choice(parks) if rng.random() < 0.55 else rng.choice(industrial_towns)
        while True:
            body = "91500116MA" + "".join(rng.choice(CHARSET) for _ in range(7))
            code = body + _check(body)
            if code not in used:
                used.add(code)
                break
        grade = rng.choice(GRADES)
        livelihood = "否"
        if livelihood_ok and rng.random() < 0.6:
            livelihood = rng.choice(["豁免", "减量"])
        e = SimpleNamespace(
            credit_code=code, name=f"{SAMPLE_MARK}{REGIONS[i // len(WORDS) % len(REGIONS)]}{WORDS[i % len(WORDS)]}{industry}有限公司",
            industry=industry, address=f"{units[town]['name']}{rng.choice(ROADS)}{rng.randint(1, 999)}号",
            town=unit(town), supervisor=unit("economy-it" if rng.random() < 0.7 else "ecology-env"),
            grade=GRADE_KEY[grade], livelihood=LIVELIHOOD_KEY[livelihood],
            pm=_t(rng, *pm), so2=_t(rng, *so2), nox=_t(rng, *nox), vocs=_t(rng, *vocs),
        )
        enterprises.append(e)
        for level_index, level in enumerate(LEVELS):
            share, text = GRADE_MEASURES[grade][level_index]
            if livelihood == "豁免":
                share, text = 0, "民生保障类，保障正常生产，确保治污设施稳定运行"
            elif livelihood == "减量" and share:
                share, text = share / 2, f"民生保障类，{text}（减半执行）"
            order = 1
            measures.append(_measure(e, None, level, order, text, {p: getattr(e, p) * Decimal(str(share)) for p in ("pm", "so2", "nox", "vocs")},
                                     FINE))
            if lorries and level != "黄色" and share < 1:
                order += 1
                measures.append(_measure(e, None, level, order, TRUCKS, {"pm": e.pm * Decimal("0.01"), "so2": Decimal(0),
                                                                          "nox": e.nox * Decimal("0.03"), "vocs": Decimal(0)}, LORRY))
            if industry in VOC_MEASURES and livelihood != "豁免" and share < 1:
                voc_share, voc_text = VOC_MEASURES[industry][level_index]
                order += 1
                measures.append(_measure(e, None, level, order, voc_text, _only("vocs", e.vocs * Decimal(str(voc_share))), VOC))
            if industry in NOX_MIDDAY and level != "黄色" and share < 1:
                order += 1
                cut = NOX_MIDDAY[industry]
                measures.append(_measure(e, None, level, order, NOX_MIDDAY_TEXT.format(pct=round(cut * 100)),
                                         _only("nox", e.nox * Decimal(str(cut))), OZONE_ONLY))
            if industry in YARDS and level != "黄色" and share < 1:
                order += 1
                measures.append(_measure(e, None, level, order, YARD_TEXT, _only("pm", e.pm * Decimal(str(YARDS[industry]))), DUST))
    kinds = [k for k, w in SITE_KIND_WEIGHTS.items() for _ in range(w)]
    for i in range(N_SITES):
        kind = kinds[i % len(kinds)] if i < 6 else rng.choice(kinds)
        supervisors, dust, steps = SITE_KINDS[kind]
        town = rng.choice(all_towns + parks[:2])
        base = _t(rng, *dust)
        s = SimpleNamespace(
            ref=f"GD-{YEAR}-{i + 1:03d}", project=f"{SAMPLE_MARK}{units[town]['name']}{rng.choice(WORDS)}{_project_noun(kind)}",
            builder=f"{SAMPLE_MARK}重庆{rng.choice(WORDS)}建设工程有限公司", address=f"{units[town]['name']}{rng.choice(ROADS)}{rng.randint(1, 999)}号",
            town=unit(town), supervisor=unit(rng.choice(supervisors)), kind=KIND_KEY[kind],
        )
        sites.append(s)
        for level, (share, text) in zip(LEVELS, steps, strict=True):
            measures.append(_measure(None, s, level, 1, text, _only("pm", base * Decimal(str(share))), DUST))
    return enterprises, sites, measures


def _project_noun(kind: str) -> str:
    return {"房屋建筑": "安置房项目", "市政工程": "道路改造工程", "拆除工程": "旧厂房拆除工程", "土石方": "场平土石方工程",
            "码头堆场": "砂石码头堆场", "混凝土搅拌站": "商品混凝土搅拌站"}[kind]


def _only(pollutant: str, amount: Decimal) -> dict[str, Decimal]:
    return {p: amount if p == pollutant else Decimal(0) for p in ("pm", "so2", "nox", "vocs")}


def _measure(e, s, level, order, text, cuts, causes):
    return SimpleNamespace(enterprise=e, site=s, enterprise_id=1 if e else None, level=LEVEL_KEY[level], order=order, text=text,
                           causes=list(causes), **{p: v.quantize(Decimal("0.001")) for p, v in cuts.items()})


def write() -> None:
    """Write sample_list.xlsx and template.xlsx beside this script."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "command_center.settings")
    import django

    django.setup()
    from reductions import xlsx

    enterprises, sites, measures = build()
    SAMPLE.write_bytes(xlsx.workbook_write(enterprises=enterprises, sites=sites, measures=measures, note=SAMPLE_TITLE))
    TEMPLATE.write_bytes(xlsx.workbook_write(enterprises=[], sites=[], measures=[], note="模板：按说明填写后在“减排清单 → 导入”上传"))
    print(f"{SAMPLE.relative_to(ROOT)}: {len(enterprises)} enterprises, {len(sites)} sites, {len(measures)} measures")
    print(f"{TEMPLATE.relative_to(ROOT)}")


if __name__ == "__main__":
    write()
