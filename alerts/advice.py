"""What the public is told at each warning level: health advice, requests to the public, controls in force.

Data, not translations: the public page shows the text of the request's language, and
the CAP message carries both (one ``<info>`` block each), so both must exist whatever
the interface language. Each entry is a ``(zh, en)`` pair; Chinese is the original.

Sources (docs/reference: shared/reference/aqi-standards.md):
- the health effect and the recommended measures of each AQI band (``AQI_BANDS``) are the
  words of HJ 633 table 2 (空气质量指数及相关信息, columns 对健康影响情况 and 建议采取的措施).
  The text of HJ 633-2026 could not be found in the searchable sources, so these are the
  words of **HJ 633-2012 表2**, read in public reproductions that agree word for word:
  http://reader8.com/exam/20130118/1107085_2.html (table with the official colours),
  https://html.hanspub.org/file/_9-1751311_3_hanspub.htm (a journal's copy of the table)
  and http://zhejianglong.com/c/2704352.html (the six levels as prose); the official PDF is
  https://www.mee.gov.cn/ywgz/fgbz/bz/bzwb/jcffbz/201203/W020120410332725219541.pdf.
  The six categories and their AQI bounds are the same in both editions (feeds.aqi). The
  English is ours;
- which band a warning's advice comes from: the forecast behind it (its proposal's trigger
  days, the highest AQI), never lower than the least AQI the warning's conditions imply,
  and, with no forecast attached, the band of the level's headline condition (``episode``);
- the advice by primary pollutant: ozone is a gas that ordinary dust masks do not stop,
  and it peaks from midday into the afternoon (成都市疾控中心's ozone advice, reproduced at
  http://proinfocorp.com/blog/_61937_349909.html); particulate episodes keep the mask advice;
- the schools' line follows the plan's duty of the education commission (区教委:
  "根据预警等级 ... 指导学校减少、停止户外活动或实施停课");
- the controls follow Chongqing's level III practice (no earthwork or demolition,
  high-emission vehicles banned in the restricted zone, non-road machinery stopped,
  no open burning, fireworks restricted, cooking-fume inspections, hospitals add
  clinic capacity) and its levels II and I (heavier truck bans, schools stop outdoor
  activities or suspend classes). Emission-reduction ratios are left out on purpose:
  the reference could not confirm that the 2024 national text restates them.
"""

from alerts.choices import Level
from alerts.origins import origin_of

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

#: HJ 633 table 2, band by band: (highest AQI of the band, or None for the open top band,
#: (health effect zh, en), (recommended measures zh, en)). Chinese: HJ 633-2012 表2 word for
#: word (module docstring); the bounds are those of ``feeds.aqi.CATEGORIES`` (a test checks).
AQI_BANDS = (
    (
        50,
        ("空气质量令人满意，基本无空气污染", "Air quality is satisfactory, with basically no air pollution."),
        ("各类人群可正常活动", "Everyone can go about their activities as usual."),
    ),
    (
        100,
        (
            "空气质量可接受，但某些污染物可能对极少数异常敏感人群健康有较弱影响",
            "Air quality is acceptable, but some pollutants may have a weak effect on the health of a very small "
            "number of unusually sensitive people.",
        ),
        ("极少数异常敏感人群应减少户外活动", "The very few unusually sensitive people should reduce outdoor activity."),
    ),
    (
        150,
        (
            "易感人群症状有轻度加剧，健康人群出现刺激症状",
            "Symptoms of susceptible people worsen slightly; healthy people show signs of irritation.",
        ),
        (
            "儿童、老年人及心脏病、呼吸系统疾病患者应减少长时间、高强度的户外锻炼",
            "Children, the elderly and people with heart or respiratory disease should cut down on long or "
            "strenuous outdoor exercise.",
        ),
    ),
    (
        200,
        (
            "进一步加剧易感人群症状，可能对健康人群心脏、呼吸系统有影响",
            "Symptoms of susceptible people worsen further; the heart and breathing of healthy people may be "
            "affected.",
        ),
        (
            "儿童、老年人及心脏病、呼吸系统疾病患者避免长时间、高强度的户外锻炼，一般人群适量减少户外运动",
            "Children, the elderly and people with heart or respiratory disease should avoid long or strenuous "
            "outdoor exercise; everyone else should cut down on outdoor exercise.",
        ),
    ),
    (
        300,
        (
            "心脏病和肺病患者症状显著加剧，运动耐受力降低，健康人群普遍出现症状",
            "Symptoms of people with heart or lung disease worsen markedly and they tolerate exercise less; healthy "
            "people commonly show symptoms.",
        ),
        (
            "儿童、老年人和心脏病、肺病患者应停留在室内，停止户外运动，一般人群减少户外运动",
            "Children, the elderly and people with heart or lung disease should stay indoors and stop outdoor "
            "exercise; everyone else should reduce outdoor exercise.",
        ),
    ),
    (
        None,
        (
            "健康人群运动耐受力降低，有明显强烈症状，提前出现某些疾病",
            "Healthy people tolerate exercise less and have marked, strong symptoms; some illnesses set in early.",
        ),
        (
            "儿童、老年人和病人应当留在室内，避免体力消耗，一般人群应避免户外活动",
            "Children, the elderly and the sick should stay indoors and avoid physical exertion; everyone else "
            "should avoid outdoor activity.",
        ),
    ),
)
BAND_RANGES = ("0–50", "51–100", "101–150", "151–200", "201–300", ">300")
BAND_NAMES = (
    ("优", "Excellent"),
    ("良", "Good"),
    ("轻度污染", "Lightly polluted"),
    ("中度污染", "Moderately polluted"),
    ("重度污染", "Heavily polluted"),
    ("严重污染", "Severely polluted"),
)

#: The least daily AQI the national conditions of each level imply (环大气〔2024〕6号: yellow
#: and orange need days above 150, red a day above 300). The advice never drops below it.
LEVEL_MIN_AQI = {Level.YELLOW: 151, Level.ORANGE: 151, Level.RED: 301}
#: With no forecast behind a warning: the level's headline condition (yellow: a day above
#: 200; orange: above 200 for 48 h; red: above 300), so the advice errs on the protective side.
LEVEL_DEFAULT_AQI = {Level.YELLOW: 201, Level.ORANGE: 201, Level.RED: 301}

_POLLUTANT_NAMES = {
    "pm2_5": ("细颗粒物（PM2.5）", "fine particles (PM2.5)"),
    "pm10": ("可吸入颗粒物（PM10）", "coarse particles (PM10)"),
    "o3": ("臭氧（O₃）", "ozone (O₃)"),
    "no2": ("二氧化氮（NO₂）", "nitrogen dioxide (NO₂)"),
    "so2": ("二氧化硫（SO₂）", "sulphur dioxide (SO₂)"),
    "co": ("一氧化碳（CO）", "carbon monoxide (CO)"),
}
_OZONE_TIMING = (
    "臭氧浓度午间至午后最高，户外活动尽量安排在早晨或傍晚，午后留在室内并关闭门窗。",
    "Ozone is highest from midday into the afternoon: keep outdoor activity to the morning or evening, and stay "
    "indoors with windows closed in the afternoon.",
)
_OZONE_MASK = (
    "普通防尘口罩挡不住臭氧（气体），必须外出时可选用带活性炭滤层的口罩。",
    "Ordinary dust masks do not stop ozone, which is a gas; if you must go out, a mask with an activated-carbon "
    "layer helps.",
)

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

_SCHOOLS_REDUCE = ("中小学校、幼儿园减少户外活动。", "Schools and kindergartens reduce outdoor activities.")
_SCHOOLS_STOP = (
    "中小学校、幼儿园停止户外体育课、课间操等户外活动。",
    "Schools and kindergartens stop outdoor PE lessons, morning exercises and other outdoor activities.",
)
_SCHOOLS_SUSPEND = (
    "中小学校、幼儿园停止户外活动，教育部门可视情况实施停课（弹性教学）。",
    "Schools and kindergartens stop all outdoor activities; the education authority may suspend classes "
    "(with lessons at home).",
)
# The plan's 区教委 duty by level; from AQI 201 (band 5) HJ 633 keeps children indoors, so a
# yellow warning over such days stops outdoor school activities too.
SCHOOLS = {Level.YELLOW: _SCHOOLS_REDUCE, Level.ORANGE: _SCHOOLS_STOP, Level.RED: _SCHOOLS_SUSPEND}

ADVICE = {
    Level.YELLOW: {
        "health": [
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


def band_of(aqi: int) -> int:
    """HJ 633 band (1 优 … 6 严重污染) of a daily AQI; ``ValueError`` for a negative AQI."""
    if aqi < 0:
        raise ValueError(f"aqi must not be negative, got {aqi}")
    for band, (upper, _effect, _measures) in enumerate(AQI_BANDS, start=1):
        if upper is None or aqi <= upper:
            return band
    raise AssertionError("unreachable: the last band is open-ended")  # pragma: no cover


def band_texts(aqi: int, language: str | None) -> dict[str, str | int]:
    """HJ 633 table 2 for ``aqi``: ``band`` (1–6), ``range``, ``category``, ``effect`` and ``measures``."""
    band = band_of(aqi)
    _upper, effect, measures = AQI_BANDS[band - 1]
    i = lang_key(language)
    return {
        "band": band, "range": BAND_RANGES[band - 1], "category": BAND_NAMES[band - 1][i],
        "effect": effect[i], "measures": measures[i],
    }


def _pollutant(name: str) -> str:
    """"o3_8h", "O3-1h", "PM2.5" → "o3", "o3", "pm2_5" (the names feeds and pushes use)."""
    key = name.strip().lower().replace(".", "_").replace("-", "_")
    key = "pm2_5" if key == "pm25" else key
    return "o3" if key.startswith("o3") else key


def episode(alert) -> tuple[int, tuple[str, ...]]:
    """The daily AQI and primary pollutants a warning's advice is given for.

    From the forecast behind the warning (its origin's basis, ``alerts.origins``, written by
    ``feeds.services``): the highest AQI of its trigger days and the proposal's primary
    pollutants, most frequent first. The AQI is raised to ``LEVEL_MIN_AQI`` when the level
    asks for more than the forecast (a leader may issue above a proposal); with no forecast,
    it is ``LEVEL_DEFAULT_AQI`` and no pollutant is named. Reads data only: no query for a warning
    read ``with_origin()``, else one (``origin_of``).
    """
    origin = origin_of(alert)
    basis = origin.basis if origin is not None else {}
    trigger = set(basis.get("trigger_days") or ())
    peaks = [
        d["aqi"] for d in basis.get("days") or () if d.get("date") in trigger and isinstance(d.get("aqi"), int)
    ]
    primary = tuple(dict.fromkeys(_pollutant(p) for p in basis.get("primary_pollutants") or () if isinstance(p, str)))
    if not peaks:
        return LEVEL_DEFAULT_AQI[alert.level], primary
    return max(max(peaks), LEVEL_MIN_AQI[alert.level]), primary


def _pollutant_lines(primary: tuple[str, ...]) -> list[tuple[str, str]]:
    if not primary:
        return [_MASK]
    names = [_POLLUTANT_NAMES.get(p, (p, p)) for p in primary]
    lines = [(
        "首要污染物：" + "、".join(n[0] for n in names) + "。",
        "Primary pollutant: " + ", ".join(n[1] for n in names) + ".",
    )]
    if "o3" in primary:
        lines += [_OZONE_TIMING, _OZONE_MASK]
    if set(primary) - {"o3"}:
        lines.append(_MASK)
    return lines


def advice_for(
    level: str | None, language: str | None, *, aqi: int | None = None, primary: tuple[str, ...] = ()
) -> dict[str, list[str]]:
    """What the public is told, in ``language``: ``health``, ``public`` and ``controls`` lines.

    ``level`` None: nothing in force (the all-clear lines). Otherwise the health lines start
    with HJ 633 table 2's health effect and recommended measures for the band of ``aqi``
    (issue 15, item 6; default: ``LEVEL_DEFAULT_AQI`` of the level), then name the primary
    pollutants with their own advice (ozone: the hours and the masks that work; particles:
    masks and closed windows), then the schools' line and the clinics. ``public`` and
    ``controls`` depend on the level only. Give ``aqi``/``primary`` from ``episode(alert)``.
    """
    if level is None:
        return {"health": _pick(ALL_CLEAR, language), "public": [], "controls": []}
    aqi = LEVEL_DEFAULT_AQI[level] if aqi is None else aqi
    band = band_texts(aqi, language)
    i = lang_key(language)
    if i:
        head = [
            f"Health effect (HJ 633, AQI {band['range']}, {band['category'].lower()}): {band['effect']}",
            f"What to do: {band['measures']}",
        ]
    else:
        head = [
            f"健康影响（HJ 633，AQI {band['range']} {band['category']}）：{band['effect']}。",
            f"建议措施：{band['measures']}。",
        ]
    schools = SCHOOLS[level]
    if level == Level.YELLOW and band["band"] >= 5:
        schools = _SCHOOLS_STOP
    health = head + _pick(_pollutant_lines(tuple(primary)), language) + [schools[i]]
    advice = {key: _pick(pairs, language) for key, pairs in ADVICE[level].items()}
    return {**advice, "health": health + advice["health"]}


def alert_advice(alert, language: str | None) -> dict[str, list[str]]:
    """``advice_for`` the warning's level, AQI band and primary pollutants (``episode``)."""
    aqi, primary = episode(alert)
    return advice_for(alert.level, language, aqi=aqi, primary=primary)


def instruction_for(
    level: str | None,
    language: str | None,
    *,
    lifted: bool = False,
    aqi: int | None = None,
    primary: tuple[str, ...] = (),
) -> str:
    """The CAP ``<instruction>``: what a person should do (health advice, then the requests to the public)."""
    if lifted:
        return "\n".join(_pick(LIFTED, language))
    advice = advice_for(level, language, aqi=aqi, primary=primary)
    return "\n".join(advice["health"] + advice["public"])


def alert_instruction(alert, language: str | None, *, lifted: bool = False) -> str:
    """``instruction_for`` a warning, with the band and pollutants of its forecast (``episode``)."""
    aqi, primary = episode(alert)
    return instruction_for(alert.level, language, lifted=lifted, aqi=aqi, primary=primary)


def level_title(level: str, language: str | None) -> str:
    return LEVEL_TITLE[level][lang_key(language)]


def response_title(level: str, language: str | None) -> str:
    return RESPONSE_TITLE[level][lang_key(language)]
