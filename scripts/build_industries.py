#!/usr/bin/env python3
"""Build fixtures/industries.json: GB/T 4754-2017 《国民经济行业分类》 sections, divisions and groups.

Run from the repository root (no Django needed):

    python3 scripts/build_industries.py [--output PATH] [--check]

All 20 sections (门类) and all 97 divisions (大类) are included, plus the groups (中类) that the
size rules distinguish: the five groups of K70 房地产业 (K701 房地产开发经营 and K702 物业管理 have
their own rows in 工信部联企业〔2011〕300号). Codes are the section letter followed by the digits,
as the API uses them ("C36", "K701"); a group's parent is its division, a division's its section.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fixture_output import write_or_check  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "fixtures" / "industries.json"

# Section letter, name, first and last division number.
SECTIONS = [
    ("A", "农、林、牧、渔业", 1, 5),
    ("B", "采矿业", 6, 12),
    ("C", "制造业", 13, 43),
    ("D", "电力、热力、燃气及水生产和供应业", 44, 46),
    ("E", "建筑业", 47, 50),
    ("F", "批发和零售业", 51, 52),
    ("G", "交通运输、仓储和邮政业", 53, 60),
    ("H", "住宿和餐饮业", 61, 62),
    ("I", "信息传输、软件和信息技术服务业", 63, 65),
    ("J", "金融业", 66, 69),
    ("K", "房地产业", 70, 70),
    ("L", "租赁和商务服务业", 71, 72),
    ("M", "科学研究和技术服务业", 73, 75),
    ("N", "水利、环境和公共设施管理业", 76, 79),
    ("O", "居民服务、修理和其他服务业", 80, 82),
    ("P", "教育", 83, 83),
    ("Q", "卫生和社会工作", 84, 85),
    ("R", "文化、体育和娱乐业", 86, 90),
    ("S", "公共管理、社会保障和社会组织", 91, 96),
    ("T", "国际组织", 97, 97),
]

DIVISIONS = {
    1: "农业",
    2: "林业",
    3: "畜牧业",
    4: "渔业",
    5: "农、林、牧、渔专业及辅助性活动",
    6: "煤炭开采和洗选业",
    7: "石油和天然气开采业",
    8: "黑色金属矿采选业",
    9: "有色金属矿采选业",
    10: "非金属矿采选业",
    11: "开采专业及辅助性活动",
    12: "其他采矿业",
    13: "农副食品加工业",
    14: "食品制造业",
    15: "酒、饮料和精制茶制造业",
    16: "烟草制品业",
    17: "纺织业",
    18: "纺织服装、服饰业",
    19: "皮革、毛皮、羽毛及其制品和制鞋业",
    20: "木材加工和木、竹、藤、棕、草制品业",
    21: "家具制造业",
    22: "造纸和纸制品业",
    23: "印刷和记录媒介复制业",
    24: "文教、工美、体育和娱乐用品制造业",
    25: "石油、煤炭及其他燃料加工业",
    26: "化学原料和化学制品制造业",
    27: "医药制造业",
    28: "化学纤维制造业",
    29: "橡胶和塑料制品业",
    30: "非金属矿物制品业",
    31: "黑色金属冶炼和压延加工业",
    32: "有色金属冶炼和压延加工业",
    33: "金属制品业",
    34: "通用设备制造业",
    35: "专用设备制造业",
    36: "汽车制造业",
    37: "铁路、船舶、航空航天和其他运输设备制造业",
    38: "电气机械和器材制造业",
    39: "计算机、通信和其他电子设备制造业",
    40: "仪器仪表制造业",
    41: "其他制造业",
    42: "废弃资源综合利用业",
    43: "金属制品、机械和设备修理业",
    44: "电力、热力生产和供应业",
    45: "燃气生产和供应业",
    46: "水的生产和供应业",
    47: "房屋建筑业",
    48: "土木工程建筑业",
    49: "建筑安装业",
    50: "建筑装饰、装修和其他建筑业",
    51: "批发业",
    52: "零售业",
    53: "铁路运输业",
    54: "道路运输业",
    55: "水上运输业",
    56: "航空运输业",
    57: "管道运输业",
    58: "多式联运和运输代理业",
    59: "装卸搬运和仓储业",
    60: "邮政业",
    61: "住宿业",
    62: "餐饮业",
    63: "电信、广播电视和卫星传输服务",
    64: "互联网和相关服务",
    65: "软件和信息技术服务业",
    66: "货币金融服务",
    67: "资本市场服务",
    68: "保险业",
    69: "其他金融业",
    70: "房地产业",
    71: "租赁业",
    72: "商务服务业",
    73: "研究和试验发展",
    74: "专业技术服务业",
    75: "科技推广和应用服务业",
    76: "水利管理业",
    77: "生态保护和环境治理业",
    78: "公共设施管理业",
    79: "土地管理业",
    80: "居民服务业",
    81: "机动车、电子产品和日用产品修理业",
    82: "其他服务业",
    83: "教育",
    84: "卫生",
    85: "社会工作",
    86: "新闻和出版业",
    87: "广播、电视、电影和录音制作业",
    88: "文化艺术业",
    89: "体育",
    90: "娱乐业",
    91: "中国共产党机关",
    92: "国家机构",
    93: "人民政协、民主党派",
    94: "社会保障",
    95: "群众团体、社会团体和其他成员组织",
    96: "基层群众自治组织及其他组织",
    97: "国际组织",
}

# Groups (中类) that some rule needs, keyed by their three digits.
GROUPS = {
    "701": "房地产开发经营",
    "702": "物业管理",
    "703": "房地产中介服务",
    "704": "房地产租赁经营",
    "709": "其他房地产业",
}


def build() -> list[dict]:
    assert sorted(DIVISIONS) == list(range(1, 98)), "GB/T 4754-2017 has divisions 01 to 97"
    ranges = [range(first, last + 1) for _, _, first, last in SECTIONS]
    assert [n for r in ranges for n in r] == list(range(1, 98)), "section ranges must tile 01..97"

    objects: list[dict] = []
    section_of_division: dict[str, str] = {}
    for letter, name, first, last in SECTIONS:
        objects.append(
            {
                "model": "policies.industry",
                "pk": letter,
                "fields": {"name": name, "level": "section", "parent": None},
            }
        )
        for number in range(first, last + 1):
            digits = f"{number:02d}"
            section_of_division[digits] = letter
            objects.append(
                {
                    "model": "policies.industry",
                    "pk": f"{letter}{digits}",
                    "fields": {"name": DIVISIONS[number], "level": "division", "parent": letter},
                }
            )
    for digits, name in GROUPS.items():
        letter = section_of_division[digits[:2]]
        objects.append(
            {
                "model": "policies.industry",
                "pk": f"{letter}{digits}",
                "fields": {"name": name, "level": "group", "parent": f"{letter}{digits[:2]}"},
            }
        )
    # Parents before children (sections, then divisions, then groups) so that loaddata never
    # meets a dangling foreign key even on databases that check constraints immediately.
    level_rank = {"section": 0, "division": 1, "group": 2}
    objects.sort(key=lambda o: (level_rank[o["fields"]["level"]], o["pk"]))
    return objects


def render(objects: list[dict]) -> str:
    return json.dumps(objects, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--check", action="store_true", help="fail if the output file is not up to date")
    args = parser.parse_args(argv)

    content = render(build())
    return write_or_check(args.output, content, "build_industries.py", args.check)


if __name__ == "__main__":
    sys.exit(main())
