"""What the public is told at each warning level: health advice, requests to the public, controls in force.

Data, not translations: the public page shows the text of the request's language, and
the CAP message carries both (one ``<info>`` block each), so both must exist whatever
the interface language. Each entry is a ``(zh, en)`` pair; Chinese is the original.

Sources (docs/reference: shared/reference/aqi-standards.md):
- health advice follows the AQI health guidance of HJ 633 (sensitive groups first at
  yellow, everyone at red) and the plan's duty of the education commission (区教委:
  "根据预警等级 ... 指导学校减少、停止户外活动或实施停课");
- the controls follow Chongqing's level III practice (no earthwork or demolition,
  high-emission vehicles banned in the restricted zone, non-road machinery stopped,
  no open burning, fireworks restricted, cooking-fume inspections, hospitals add
  clinic capacity) and its levels II and I (heavier truck bans, schools stop outdoor
  activities or suspend classes). Emission-reduction ratios are left out on purpose:
  the reference could not confirm that the 2024 national text restates them.
"""

from alerts.choices import Level

# How the public page and CAP name each level.
LEVEL_TITLE = {
    Level.YELLOW: ("黄色预警", "Yellow warning"),
    Level.ORANGE: ("橙色预警", "Orange warning"),
    Level.RED: ("红色预警", "Red warning"),
}
LEVEL_NAME = {
    Level.YELLOW: ("黄色", "yellow"),
    Level.ORANGE: ("橙色", "orange"),
    Level.RED: ("红色", "red"),
}
RESPONSE_TITLE = {
    Level.YELLOW: ("Ⅲ级（一般）应急响应", "Level III emergency response"),
    Level.ORANGE: ("Ⅱ级（较重）应急响应", "Level II emergency response"),
    Level.RED: ("Ⅰ级（严重）应急响应", "Level I emergency response"),
}

_MASK = (
    "外出时佩戴防护口罩，减少开窗通风时间，有条件的可使用空气净化器。",
    "Wear a protective mask outdoors, keep windows closed more of the time, and use an air purifier if you have one.",
)
_CLINICS = (
    "医疗机构增设呼吸道疾病门诊、延长诊疗时间，出现咳嗽、胸闷等症状请及时就医。",
    "Hospitals open extra clinics for breathing problems and extend their hours; see a doctor if you cough or feel tightness in the chest.",
)
_TRANSIT = (
    "尽量乘坐公共交通工具或步行、骑行出行，减少私家车使用。",
    "Take public transport, walk or cycle where you can, and drive less.",
)
_IDLE = ("停车时及时熄火，减少车辆原地怠速。", "Switch the engine off when parked; do not leave vehicles idling.")
_VOC = (
    "减少使用涂料、油漆、溶剂等含挥发性有机物的产品，少用烧烤等明火。",
    "Use fewer paints, coatings and solvents that give off volatile organic compounds, and avoid barbecues and other open flames.",
)
_NO_BURNING = ("禁止露天焚烧秸秆、垃圾、落叶等。", "No open burning of straw, rubbish, leaves or anything else.")
_DUST = (
    "停止土石方作业和建筑拆除作业，预拌混凝土搅拌站和易起尘码头停止作业，加强道路清扫保洁和洒水抑尘。",
    "Earthwork and demolition stop; ready-mix concrete plants and dusty wharves stop; roads are swept and sprayed more often.",
)
_HIGH_EMISSION = (
    "高排放车辆禁止在限行区域内行驶，非道路移动机械停止使用（抢险救灾等应急作业除外）。",
    "High-emission vehicles are banned from the restricted zone, and non-road machinery stops (emergency work excepted).",
)
_COOKING = ("加强餐饮油烟排放检查。", "Restaurants' cooking fumes are inspected more often.")

ADVICE = {
    Level.YELLOW: {
        "health": [
            (
                "儿童、老年人和心脏病、肺病等慢性疾病患者减少户外活动。",
                "Children, the elderly and people with heart or lung disease should reduce outdoor activity.",
            ),
            (
                "一般人群适当减少户外运动和室外作业时间。",
                "Everyone else should cut down on outdoor exercise and outdoor work.",
            ),
            ("中小学校、幼儿园减少户外活动。", "Schools and kindergartens reduce outdoor activities."),
            _MASK,
            _CLINICS,
        ],
        "public": [_TRANSIT, _IDLE, _VOC],
        "controls": [
            _NO_BURNING,
            ("限制燃放烟花爆竹。", "Fireworks and firecrackers are restricted."),
            _DUST,
            _HIGH_EMISSION,
            _COOKING,
            (
                "工业企业落实应急减排清单中的黄色预警减排措施。",
                "Industry applies the yellow-warning measures of its emission-reduction list.",
            ),
        ],
    },
    Level.ORANGE: {
        "health": [
            (
                "儿童、老年人和心脏病、肺病等慢性疾病患者尽量留在室内，停止户外运动。",
                "Children, the elderly and people with heart or lung disease should stay indoors and stop outdoor exercise.",
            ),
            (
                "一般人群减少户外活动，停止户外运动。",
                "Everyone else should reduce outdoor activity and stop outdoor exercise.",
            ),
            (
                "中小学校、幼儿园停止户外体育课、课间操等户外活动。",
                "Schools and kindergartens stop outdoor PE lessons, morning exercises and other outdoor activities.",
            ),
            _MASK,
            _CLINICS,
        ],
        "public": [
            _TRANSIT,
            _IDLE,
            _VOC,
            ("尽量避免举办大型户外活动。", "Avoid holding large outdoor events."),
        ],
        "controls": [
            _NO_BURNING,
            ("禁止燃放烟花爆竹。", "No fireworks or firecrackers."),
            _DUST,
            _HIGH_EMISSION,
            (
                "重型柴油货车在限行区域内限行（保障民生运输的除外）。",
                "Heavy diesel lorries are restricted in the restricted zone (deliveries of daily necessities excepted).",
            ),
            _COOKING,
            (
                "工业企业落实应急减排清单中的橙色预警减排措施。",
                "Industry applies the orange-warning measures of its emission-reduction list.",
            ),
        ],
    },
    Level.RED: {
        "health": [
            ("所有人群避免户外活动。", "Everyone should avoid outdoor activity."),
            (
                "儿童、老年人和心脏病、肺病等慢性疾病患者留在室内，避免体力消耗。",
                "Children, the elderly and people with heart or lung disease should stay indoors and avoid physical exertion.",
            ),
            (
                "中小学校、幼儿园停止户外活动，教育部门可视情况实施停课（弹性教学）。",
                "Schools and kindergartens stop all outdoor activities; the education authority may suspend classes (with lessons at home).",
            ),
            _MASK,
            _CLINICS,
        ],
        "public": [
            _TRANSIT,
            _IDLE,
            _VOC,
            ("用人单位可视情况实行弹性工作制。", "Employers may allow flexible working hours."),
        ],
        "controls": [
            _NO_BURNING,
            ("全区禁止燃放烟花爆竹。", "No fireworks or firecrackers anywhere in the district."),
            _DUST,
            _HIGH_EMISSION,
            (
                "重型柴油货车和渣土运输车辆禁止上路行驶（保障民生运输的除外）。",
                "Heavy diesel lorries and spoil trucks are off the roads (deliveries of daily necessities excepted).",
            ),
            ("停止举办大型露天活动。", "Large open-air events are called off."),
            _COOKING,
            (
                "工业企业落实应急减排清单中的红色预警减排措施。",
                "Industry applies the red-warning measures of its emission-reduction list.",
            ),
        ],
    },
}

# With no warning in force, or in the Cancel message of a lifted one.
ALL_CLEAR = [
    (
        "目前无空气重污染预警，可正常开展户外活动。",
        "No heavy air pollution warning is in force: outdoor activity as usual.",
    ),
    (
        "儿童、老年人和心脏病、肺病等慢性疾病患者请关注空气质量预报。",
        "Children, the elderly and people with heart or lung disease should keep an eye on the air-quality forecast.",
    ),
]
LIFTED = [
    (
        "空气重污染预警已解除，相应应急措施同时终止，可恢复正常户外活动。",
        "The heavy air pollution warning is lifted, and so are its emergency measures: outdoor activity as usual.",
    ),
    ALL_CLEAR[1],
]


def lang_key(language: str | None) -> int:
    """0 for Chinese (the default, and any language we do not carry), 1 for English."""
    return 1 if (language or "").lower().startswith("en") else 0


def _pick(pairs, language):
    i = lang_key(language)
    return [pair[i] for pair in pairs]


def advice_for(level: str | None, language: str | None) -> dict[str, list[str]]:
    """The advice of ``level`` (None: nothing in force) in ``language``: health, public, controls."""
    if level is None:
        return {"health": _pick(ALL_CLEAR, language), "public": [], "controls": []}
    return {key: _pick(pairs, language) for key, pairs in ADVICE[level].items()}


def instruction_for(level: str | None, language: str | None, *, lifted: bool = False) -> str:
    """The CAP ``<instruction>``: what a person should do (health advice, then the requests to the public)."""
    if lifted:
        return "\n".join(_pick(LIFTED, language))
    advice = advice_for(level, language)
    return "\n".join(advice["health"] + advice["public"])


def level_title(level: str, language: str | None) -> str:
    return LEVEL_TITLE[level][lang_key(language)]


def response_title(level: str, language: str | None) -> str:
    return RESPONSE_TITLE[level][lang_key(language)]
