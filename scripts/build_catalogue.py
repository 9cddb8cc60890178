#!/usr/bin/env python3
"""Build fixtures/catalogue.json from the text of 晋政办发〔2022〕34号.

Run from the repository root (no Django needed):

    python3 scripts/build_catalogue.py [--source PATH] [--output PATH] [--check]

The measure texts and their responsible units are read from the PDF extraction in
`reference/source/` (a copy of ../shared/source/) by the document importer (`policies/importer/`,
the same code as `manage.py import_document`), which reports the corrections it makes; everything the source does not say (titles where the first clause is not a
usable title, categories, plain-language summaries, delivery, how to apply, unit full names) is
hand-written data in this file. The output is deterministic, so re-running the script on an
unchanged source gives a byte-identical fixture; `--check` fails if the committed fixture is stale.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))
from fixture_output import write_or_check  # noqa: E402

from policies.importer import ImportedMeasure, import_text  # noqa: E402
from policies.importer.core import CORRECTION_CODES  # noqa: E402

DEFAULT_SOURCE = ROOT / "reference" / "source" / "shanxi-2022-34-action-plan.txt"
DEFAULT_OUTPUT = ROOT / "fixtures" / "catalogue.json"

MEASURE_COUNT = 70
APP = "policies"

# ---------------------------------------------------------------------------------------------
# Parsing: the document importer (policies/importer/, Django-free) reads the source
# ---------------------------------------------------------------------------------------------

# The corrections the importer reports for this source, by warning code and measure. The build
# fails if the set changes: a new one needs reading, and a missing one means the source was fixed.
#   46: "1梄1" is a misread "1:1"; 53, 59: their unit lists lost the closing ")"; 70: the
#   paragraph after its unit parenthesis closes the whole plan; the 文号 is extracted as
#   "晋政办发[2022]34 号".
EXPECTED_CORRECTIONS = {
    ("glyph_corrected", 46),
    ("parenthesis_restored", 53),
    ("parenthesis_restored", 59),
    ("closing_text_cut", 70),
    ("number_brackets", None),
}
# Notes that are expected for a plain-text extraction and need no decision here: the page numbers
# dropped, the units the importer proposes as new (this script defines the units), and titles cut
# from long first clauses (EDITORIAL below gives those measures their titles).
ACCEPTED_NOTES = {"page_numbers_dropped", "unit_new", "title_cut"}


def parse_source(raw: str) -> list[ImportedMeasure]:
    result = import_text(raw)
    corrections = {(w.code, w.measure) for w in result.corrections()}
    if corrections != EXPECTED_CORRECTIONS:
        raise ValueError(
            f"importer corrections changed: {sorted(corrections ^ EXPECTED_CORRECTIONS, key=str)}"
        )
    doubts = [w for w in result.warnings if w.code not in CORRECTION_CODES | ACCEPTED_NOTES]
    if doubts:
        raise ValueError(f"importer could not read the source cleanly: {doubts}")
    header = result.document.as_dict()
    for key, value in header.items():
        if DOCUMENT[key] != value:
            raise ValueError(f"document {key}: importer read {value!r}, expected {DOCUMENT[key]!r}")
    numbers = [m.number for m in result.measures]
    if numbers != list(range(1, MEASURE_COUNT + 1)):
        raise ValueError(f"expected measures 1..{MEASURE_COUNT}, got {numbers}")
    return result.measures


def first_clause(text: str) -> str:
    return re.split(r"[,;。:]", text, maxsplit=1)[0]


def source_words(title: str, text: str) -> bool:
    """Whether a title is made only of pieces (two characters or more) of the measure's text.

    Greedy longest match; a single character is accepted only for quotation marks and similar
    punctuation, so a hand-written title cannot slip in words the source does not use.
    """
    i = 0
    while i < len(title):
        length = 0
        for j in range(len(title), i, -1):
            if title[i:j] in text:
                length = j - i
                break
        if length == 0:
            return False
        if length == 1 and title[i] not in "“”《》()、":
            return False
        i += length
    return True


# ---------------------------------------------------------------------------------------------
# Hand-written data
# ---------------------------------------------------------------------------------------------

DOCUMENT = {
    "number": "晋政办发〔2022〕34号",
    "title": "山西省促进工业经济平稳增长行动方案",
    "issuer": "山西省人民政府办公厅",
    "issued_on": "2022-04-14",
    "valid_from": "2022-04-14",
    "valid_until": "2022-12-31",
    # The seed plan's measures keep /measures/<n>/; documents imported later are addressed by id.
    "legacy_urls": True,
}

PUBLISHED_AT = "2022-04-14T00:00:00+08:00"
VALID_FROM = "2022-04-14"
VALID_UNTIL = "2022-12-31"
# Per the API contract's rule table: measure 1 covers purchases from 2022-01-01; measure 5 is
# "2022年至2024年" (财政部 税务总局公告2022年第10号); measure 8 restates 公告2022年第15号,
# which runs from 2022-04-01.
VALIDITY_EXCEPTIONS = {
    1: ("2022-01-01", VALID_UNTIL),
    5: ("2022-01-01", "2024-12-31"),
    8: ("2022-04-01", VALID_UNTIL),
}

CATEGORIES = [
    # slug, name, description
    ("fiscal", "财税支持", "税费减免、延缓缴纳、留抵退税、社保费降低和财政奖补等直接减轻企业负担的措施。"),
    ("finance", "金融支持", "降低融资成本、融资担保、信贷投放、直接融资和信用信息平台等金融服务措施。"),
    (
        "supply-energy",
        "保供稳价与能源",
        "电价政策、煤炭电煤保供、大宗原材料价格监测监管、矿产和再生资源、新能源和电力工程等措施。",
    ),
    (
        "investment",
        "投资与技术改造",
        "制造业规划、技术改造、专精特新培育、新型基础设施、数字化转型、重点产业和首台(套)首批次等措施。",
    ),
    ("trade", "外贸外资", "稳外贸、出口信用保险、国际物流、中欧班列和利用外资等措施。"),
    ("consumption-quality", "促进消费与质量品牌", "扩大工业产品消费、质量提升、标准化和品牌建设等措施。"),
    (
        "factors-green",
        "要素保障与绿色发展",
        "产业用地、技能人才、能耗双控、重污染天气应对和环评保障等措施。",
    ),
    (
        "services",
        "服务保障",
        "运行监测、入企服务、营商环境、市场主体培育、疫情防控、政策宣传和协调机制等措施。",
    ),
]

# Official full names, only where certain; phones only for the national public hotlines.
UNIT_DETAILS: dict[str, tuple[str, str]] = {
    "省税务局": ("国家税务总局山西省税务局", "12366"),
    "省工信厅": ("山西省工业和信息化厅", ""),
    "省交通厅": ("山西省交通运输厅", ""),
    "省商务厅": ("山西省商务厅", ""),
    "省能源局": ("山西省能源局", ""),
    "省财政厅": ("山西省财政厅", ""),
    "省人社厅": ("山西省人力资源和社会保障厅", "12333"),
    "省小企业局": ("山西省小企业发展促进局", ""),
    "省科技厅": ("山西省科学技术厅", ""),
    "人行太原中心支行": ("中国人民银行太原中心支行", ""),
    "山西银保监局": ("中国银行保险监督管理委员会山西监管局", ""),
    "省地方金融监管局": ("山西省地方金融监督管理局", ""),
    "省发展改革委": ("山西省发展和改革委员会", ""),
    "省生态环境厅": ("山西省生态环境厅", ""),
    "山西证监局": ("中国证券监督管理委员会山西监管局", ""),
    "省自然资源厅": ("山西省自然资源厅", ""),
    "省市场监管局": ("山西省市场监督管理局", ""),
    "省水利厅": ("山西省水利厅", ""),
    "山西能监办": ("国家能源局山西监管办公室", ""),
    "国网山西省电力公司": ("国网山西省电力公司", ""),
    "省通信管理局": ("山西省通信管理局", ""),
    "太原海关": ("中华人民共和国太原海关", ""),
    "国铁太原局集团": ("中国铁路太原局集团有限公司", ""),
    "省卫健委": ("山西省卫生健康委员会", ""),
    "省外事办": ("山西省人民政府外事办公室", ""),
    "省教育厅": ("山西省教育厅", ""),
    "省统计局": ("山西省统计局", ""),
    "省审批服务管理局": ("山西省行政审批服务管理局", ""),
    # Not sure of the exact official names, so left empty: 省国防科工局, 省供销社.
    # "省有关单位" is not a unit but the source's catch-all for the relevant provincial bodies.
}

TAX_FILING = "无需单独申请,在电子税务局或办税服务厅办理纳税申报时直接享受。"
WORK_ITEM = "本条为政府部门工作事项,企业无需申请;有疑问可咨询责任单位。"
EXPORT_INSURANCE = (
    "有出口业务的企业可向出口信用保险承保机构(如中国出口信用保险公司)咨询投保;外贸支持措施可咨询省商务厅。"
)


@dataclass(frozen=True)
class Editorial:
    category: str  # category slug
    delivery: str  # automatic | application | informational
    summary: str
    how_to_apply: str
    title: tuple[str, ...] = ()  # source fragments joined into a title, when the first clause is unusable


A, P, I = "automatic", "application", "informational"  # noqa: E741

EDITORIAL: dict[int, Editorial] = {
    1: Editorial(
        "fiscal",
        P,
        "中小微企业在2022年内新购置单位价值500万元以上的设备器具,最低折旧年限为3年的可以选择一次性在企业所得税税前扣除,"
        "最低折旧年限为4年、5年、10年的可以减半扣除;当年扣除不完形成的亏损,可在以后5个纳税年度结转扣除。"
        "中小微企业的标准:信息传输业、建筑业、租赁和商务服务业为从业人员2000人以下,或营业收入10亿元以下,或资产总额12亿元以下;"
        "房地产开发经营为营业收入20亿元以下或资产总额1亿元以下;其他行业为从业人员1000人以下或营业收入4亿元以下。",
        "企业自愿选择享受:在季度(月份)预缴申报或年度汇算清缴时,通过电子税务局在企业所得税申报表中填报享受,相关资料留存备查;"
        "当年未选择享受的,以后年度不得再变更享受。",
    ),
    2: Editorial(
        "fiscal",
        P,
        "制造业中小微企业(含个人独资企业、合伙企业、个体工商户)可以延缓缴纳部分税费:"
        "2021年第四季度已缓缴的税费,缓缴期限再延长6个月;2022年第一季度、第二季度的部分税费可延缓缴纳6个月。"
        "按国家规定,年销售额2000万元以上不到4亿元的制造业中型企业可缓缴50%,2000万元以下的制造业小微企业可缓缴100%。",
        "在办理纳税申报时,通过电子税务局或办税服务厅自行选择延缓缴纳;2021年第四季度已缓缴的税费,缓缴期限自动延长。",
    ),
    3: Editorial(
        "fiscal",
        A,
        "单位和个人拥有的新能源汽车继续享受车船税减免优惠。",
        "无需申请。车型列入国家享受车船税减免优惠的新能源汽车车型目录的,缴纳车船税时"
        "(通常由保险机构在办理交强险时代收代缴)直接减免。",
    ),
    4: Editorial(
        "fiscal",
        P,
        "落实国家新能源汽车推广应用财政补贴政策,加大新能源汽车推广力度,并积极争取国家对充换电基础设施奖补政策的支持。",
        "新能源汽车生产企业按国家年度清算通知,经省工信厅、省财政厅等部门申报推广应用补贴;"
        "充换电基础设施奖补以省级部门争取到的国家支持和发布的通知为准。",
    ),
    5: Editorial(
        "fiscal",
        A,
        "2022年至2024年,扩大“六税两费”减免政策的适用范围,增值税小规模纳税人、小型微利企业和个体工商户可减征资源税、"
        "城市维护建设税、房产税、城镇土地使用税、印花税(不含证券交易印花税)、耕地占用税和教育费附加、地方教育附加;"
        "同时加大小型微利企业所得税减免力度。山西将制定省级“六税两费”减免政策。",
        TAX_FILING,
        ("扩大“六税两费”", "减免政策适用主体范围"),
    ),
    6: Editorial(
        "fiscal",
        P,
        "确有困难的纳税人,可以按规定申请减免房产税、城镇土地使用税。",
        "向主管税务机关提出房产税、城镇土地使用税困难减免申请,按规定提交相关材料,经税务机关核准后享受。",
    ),
    7: Editorial(
        "fiscal",
        A,
        "小型微利企业和个体工商户年应纳税所得额不超过100万元的部分,在现行优惠基础上再减半征收所得税;"
        "小型微利企业年应纳税所得额100万元至300万元的部分,在现行优惠基础上再减半征收企业所得税。"
        "按国家规定,小型微利企业是年应纳税所得额不超过300万元、从业人数不超过300人、资产总额不超过5000万元的企业,"
        "2022年不超过100万元部分的实际税负为2.5%,100万元至300万元部分为5%。",
        "无需单独申请,在企业所得税预缴申报、年度汇算清缴(个体工商户为个人所得税经营所得申报)时,"
        "通过电子税务局或办税服务厅填报相关信息即可享受。",
        ("小微企业和个体工商户", "再减半征收所得税"),
    ),
    8: Editorial(
        "fiscal",
        A,
        "增值税小规模纳税人阶段性免征增值税:按国家规定,2022年4月1日至12月31日,"
        "小规模纳税人适用3%征收率的应税销售收入免征增值税,适用3%预征率的预缴增值税项目暂停预缴。",
        "无需申请,申报增值税时将免税销售额填入免税栏次即可;开具发票时开具免税普通发票。",
    ),
    9: Editorial(
        "fiscal",
        A,
        "2022年继续阶段性降低失业保险费率。符合条件的参保企业可获得失业保险稳岗返还:"
        "大型企业按不超过企业及其职工上年度实际缴纳失业保险费的30%返还,中小微企业返还比例从60%提高至90%。"
        "(国家2022年6月起将大型企业返还比例提高至50%。)",
        "降低后的失业保险费率在缴费时直接执行;稳岗返还按国家要求推行“免申即享”,由人社部门比对筛选符合条件的企业后"
        "直接返还到企业账户,具体以当地人社部门通知为准。",
    ),
    10: Editorial(
        "fiscal",
        P,
        "产业链“链主”企业年度营业收入首次达到10亿元、50亿元、100亿元的,分别给予进档奖励;"
        "“链主”企业本地配套率每提高5个百分点,按配套率增幅相应采购额的一定比例给予奖励。"
        "奖励资金从省级技术改造、数字经济发展、中小企业发展等专项资金中安排。",
        "关注省工信厅、省小企业局、省财政厅发布的专项资金申报通知,按通知要求申报进档奖励和本地配套奖励。",
    ),
    11: Editorial(
        "fiscal",
        P,
        "制造业企业和科技型中小企业的研发费用加计扣除比例从75%提高到100%,其他企业按75%加计扣除。"
        "科技型中小企业购买创新服务、开展技术合作,可获得省级科技创新券资助,每个企业每年最高不超过20万元。",
        "研发费用加计扣除:企业自行判别,在预缴申报或年度汇算清缴时通过电子税务局填报享受,相关资料留存备查;"
        "科技创新券:按省科技厅发布的通知申领和兑付。",
        ("研发费用加计扣除", "和科技", "创新券"),
    ),
    12: Editorial(
        "fiscal",
        P,
        "符合条件的企业可申请退还增值税留抵税额,优先安排小微企业:小微企业的存量留抵税额于6月底前一次性全部退还,"
        "增量留抵税额足额退还;制造业、电力燃气等行业的留抵退税政策同样落实。"
        "按国家安排,微型企业的存量留抵税额在2022年4月30日前集中退还,小型企业及制造业等行业的中型、大型企业"
        "在2022年6月30日前集中退还。",
        "通过电子税务局或办税服务厅提交《退(抵)税申请表》,申请退还存量和增量留抵税额。",
    ),
    13: Editorial(
        "finance",
        I,
        "2022年继续引导金融系统向实体经济让利:推进LPR改革,运用再贷款、再贴现等工具向金融机构提供低成本资金,"
        "推动银行适当降低贷款利率,严格落实信贷融资收费和服务价格管理规定。",
        WORK_ITEM,
    ),
    14: Editorial(
        "finance",
        I,
        "完善政府性融资担保体系和银担合作,推动市县政府性融资担保机构一体化运营,完善融资担保补偿补贴机制,"
        "推动政府性融资担保机构逐步将平均担保费率降至1%以下。",
        "本条为政府部门工作事项;企业需要贷款担保时,可向当地政府性融资担保机构咨询。",
    ),
    15: Editorial(
        "finance",
        I,
        "推动银行完善制造业信贷考核,引导信贷资源向制造业倾斜,增加制造业中长期贷款;"
        "定期梳理稳增长重点企业和项目的融资需求清单,做好银企对接服务。",
        WORK_ITEM,
    ),
    16: Editorial(
        "finance",
        I,
        "运用支小再贷款,支持地方法人金融机构加大中小微企业信贷投放,加大小微企业首贷、续贷、信用贷、中长期贷款投放力度。",
        WORK_ITEM,
    ),
    17: Editorial(
        "finance",
        P,
        "提升续贷转贷比重,提高企业资金链应急周转保障资金效率,落实无还本续贷、分期偿还本金、年审制贷款等政策,"
        "降低企业贷款周转成本。",
        "贷款到期周转有困难的企业,可向贷款银行申请无还本续贷、分期偿还本金或年审制贷款。",
    ),
    18: Editorial(
        "finance",
        I,
        "2022年对符合条件的地方法人银行,按普惠小微贷款余额增量的1%提供激励资金;"
        "地方法人银行发放普惠小微信用贷款,可向人民银行申请再贷款优惠资金支持。本条面向银行,鼓励其增加小微企业贷款。",
        "本条面向地方法人银行,企业无需申请。",
        ("地方法人银行", "普惠小微", "贷款", "激励资金"),
    ),
    19: Editorial(
        "finance",
        I,
        "落实煤电等行业绿色低碳转型金融政策,用好碳减排支持工具,积极争取国家2000亿元支持煤炭清洁高效利用专项再贷款,"
        "支持碳减排和煤炭清洁高效利用重大项目建设,适时举办银企融资需求对接会。",
        WORK_ITEM,
    ),
    20: Editorial(
        "finance",
        I,
        "支持符合条件的企业发行公司债、企业债、短期融资券、中期票据、定向工具等直接融资工具,拓宽融资渠道,降低融资成本。",
        "本条为政府部门工作事项;有发债需求的企业可咨询省发展改革委、山西证监局、人行太原中心支行。",
        ("支持符合条件的企业发行", "直接融资工具"),
    ),
    21: Editorial(
        "finance",
        P,
        "建立“专精特新”中小企业“企业名单+信息档案”共享机制,支持银行业金融机构为“专精特新”中小企业打造专属信贷产品。",
        "已认定的“专精特新”中小企业可向开户银行或合作银行咨询、申请“专精特新”专属信贷产品。",
    ),
    22: Editorial(
        "finance",
        P,
        "建设省级“信易贷”平台,把水、电、气、社保和住房公积金等信息归集形成大数据,帮助银行为企业精准“画像”并发放信用贷款;"
        "将太原地方征信平台升级为省级地方征信平台。",
        "中小微企业可在省级“信易贷”平台注册,授权共享信用信息后对接银行的“信易贷”产品。",
    ),
    23: Editorial(
        "supply-energy",
        I,
        "整合差别电价、阶梯电价、惩罚性电价等差别化电价政策,落实高耗能行业阶梯电价制度:"
        "能效达到基准水平的存量企业和能效达到标杆水平的在建、拟建企业用电不加价,未达到的按能效差距实行阶梯电价,"
        "加价电费专项用于支持企业节能减污降碳技术改造。",
        WORK_ITEM,
        ("落实高耗能行业阶梯电价制度",),
    ),
    24: Editorial(
        "supply-energy",
        I,
        "加快编制山西省煤炭高质量发展规划,在确保煤炭供应安全的基础上加快生产煤矿产能核增手续办理,布局先进产能接续项目,"
        "建立健全煤炭储备体系,增强煤炭稳定供应、市场调节和应急保障能力。",
        WORK_ITEM,
    ),
    25: Editorial(
        "supply-energy",
        I,
        "做好全省电煤协调保障,督促热电企业落实电煤长期协议,鼓励煤电企业增加采暖期电煤储备;"
        "根据重点工业企业需求,协调煤炭生产、经营企业与其对接,保障企业用煤。",
        "本条为政府部门工作事项;重点工业企业用煤遇到困难,可向省能源局、省工信厅反映。",
    ),
    26: Editorial(
        "supply-energy",
        I,
        "密切监测煤炭、铁矿石、钢铁、化肥等大宗原材料的市场态势和价格走势,研判对工业经济和企业经营的影响,"
        "及时协调解决苗头性、倾向性、潜在性问题,做好保供稳价工作。",
        WORK_ITEM,
        ("密切监测", "大宗原材料市场态势和价格走势"),
    ),
    27: Editorial(
        "supply-energy",
        I,
        "加强大宗商品领域价格监管,严厉查处囤积居奇、哄抬价格等违法行为;对大宗商品领域的举报线索从快核实、依法办理。",
        "本条为政府部门工作事项;发现大宗商品囤积居奇、哄抬价格等行为,可向市场监管部门举报。",
    ),
    28: Editorial(
        "supply-energy",
        I,
        "加大主焦煤等特殊和稀缺煤种的保护性开发力度,支持企业投资开发铁矿、铜矿、铝矿等战略性矿产资源;"
        "符合产业政策和相关规划要求的铁矿、有色矿山开发项目依法履行核准程序。",
        WORK_ITEM,
    ),
    29: Editorial(
        "supply-energy",
        I,
        "推动废钢、废有色金属、废纸等再生资源综合利用,积极争取国家废旧物资循环利用体系示范城市,"
        "组织申报国家再生资源综合利用行业规范企业,推进钢铁企业废钢回收加工配送一体化发展和报废汽车回收拆解企业升级改造。",
        WORK_ITEM,
    ),
    30: Editorial(
        "supply-energy",
        I,
        "组织实施光伏产业创新发展专项行动,落实国家大型风电光伏基地建设要求,实施好晋北采煤沉陷区新能源项目;"
        "筹建山西风电装备产业技术联盟,推动风电装备、光伏产业链项目落地,支持省内重点风电装备、光伏制造企业提升产品竞争力。",
        WORK_ITEM,
    ),
    31: Editorial(
        "supply-energy",
        I,
        "全面梳理煤电机组能耗,推动煤电机组节能降碳改造、灵活性改造、供热改造“三改联动”,"
        "推进供电煤耗300克标准煤/千瓦时以上的煤电机组改造升级,有序开展超超临界改造,布局高参数、大容量先进煤电机组。",
        WORK_ITEM,
        ("推动煤电机组", "“三改联动”"),
    ),
    32: Editorial(
        "supply-energy",
        I,
        "加快推动跨省区输电线路和支撑性保障电源的前期工作,推动大同—怀来交流、陇东—山东直流、蒙西—京津冀直流、"
        "陕西—河南直流、陕北—安徽直流“一交四直”工程建设。",
        WORK_ITEM,
        ("加快推动", "跨省区输电线路和", "支撑性保障电源前期", "工作"),
    ),
    33: Editorial(
        "investment",
        I,
        "启动实施钢铁、有色、建材、石化等重点领域企业节能降碳技术改造工程,印发山西省重点领域企业节能改造提升2022年行动方案,"
        "推动企业实施一批重大工程,积极争取国家支持。",
        WORK_ITEM,
        ("启动实施", "重点领域企业节能降碳技术改造工程"),
    ),
    34: Editorial(
        "investment",
        I,
        "编制《山西省“十四五”制造业高质量发展规划》,实施制造业核心竞争力提升五年行动计划,"
        "对照国家制造业重点领域引导企业实施一批重点项目,积极争取国家支持。",
        WORK_ITEM,
    ),
    35: Editorial(
        "investment",
        I,
        "实施产业基础再造工程“双百”攻坚行动,推动太钢中厚板生产线智能化升级项目、华翔精加工智能化扩产升级项目等"
        "100个产业基础再造项目建设。",
        WORK_ITEM,
    ),
    36: Editorial(
        "investment",
        P,
        "加快传统产业改造提升和战略性新兴产业发展,实施千亿产业培育工程。"
        "省级技术改造专项资金对符合条件的技术改造项目给予支持,最高不超过项目固定资产投资的15%。",
        "按省工信厅、省发展改革委、省财政厅发布的省级技术改造专项资金申报通知,准备项目材料申报。",
    ),
    37: Editorial(
        "investment",
        P,
        "实施“专精特新”中小企业培育工程,持续完善梯次培育体系,2022年新认定“专精特新”中小企业500户。",
        "符合条件的中小企业按省小企业局发布的年度“专精特新”中小企业认定通知申报。",
    ),
    38: Editorial(
        "investment",
        I,
        "深化“三化三制”改革,推行“承诺制+标准地+全代办”改革,优先服务保障开发区建设;每季度举办一次“三个一批”活动,"
        "推动制造业领域省级重点工程尽快投产达效,确保2022年规上工业增加值同比增长15%。",
        WORK_ITEM,
    ),
    39: Editorial(
        "investment",
        I,
        "布局5G、数据中心、光纤、物联网、北斗系统、遥感、量子通信等新型基础设施项目,加快国家超级计算太原中心建设,"
        "构建全省一体化大数据中心协同创新体系,积极融入“东数西算”工程,争取国家枢纽节点落地山西。",
        WORK_ITEM,
        ("布局一批", "新型基础设施项目"),
    ),
    40: Editorial(
        "investment",
        P,
        "支持工业企业加快数字化改造升级,推动国家工业互联网标识解析二级节点建设及应用,"
        "开展智能生产线、数字化车间、智能工厂建设,争取全年培育200户以上智能工厂和智能车间。",
        "关注省工信厅发布的智能工厂、智能车间(数字化车间)培育申报通知,按要求申报。",
    ),
    41: Editorial(
        "investment",
        I,
        "出台支持鼓励盘活存量资产的政策文件,推动基础设施领域不动产投资信托基金(REITs)健康发展,"
        "有效盘活存量资产,形成存量资产和新增投资的良性循环。",
        WORK_ITEM,
    ),
    42: Editorial(
        "investment",
        I,
        "巩固钢铁化解过剩产能成果,坚决防范“地条钢”死灰复燃和已化解过剩产能复产,坚决禁止新增产能,查处违法违规行为;"
        "支持钢铁企业改造升级,重点发展特钢产品。",
        WORK_ITEM,
    ),
    43: Editorial(
        "investment",
        I,
        "以提升产业基础能力和延长产业链条为重点,实施龙头企业培育工程,加快重大项目建设,培育碳基新材料产业基地,"
        "探索煤炭清洁高效利用新路径,推动煤化工行业高端多元低碳发展。",
        WORK_ITEM,
        ("实施龙头企业培育工程",),
    ),
    44: Editorial(
        "investment",
        I,
        "严格执行国家汽车产业投资管理政策,合理优化新建整车项目布局,推动现有整车企业提升产销量和产能利用率,"
        "支持新能源汽车加快发展。",
        WORK_ITEM,
    ),
    45: Editorial(
        "investment",
        I,
        "推动现代服务业同先进制造业深度融合,支持制造业大型企业为产业链上下游企业提供研发设计、创业孵化、计量测试、"
        "检验检测等服务,引导现代物流、金融业更好服务实体经济,开展“两业融合”发展试点示范。",
        WORK_ITEM,
    ),
    46: Editorial(
        "investment",
        P,
        "加大“首台套”“首批次”支持:争取国家首台(套)重大技术装备和重点新材料首批次保险补偿支持,"
        "我省获批项目由省技改资金按补助资金1:1给予奖励;将出台省级首台(套)保险补偿政策,由省财政予以保费补偿。"
        "符合山西省保险补偿要求的重点新材料首批次产品,按实际投保年度保费的80%给予补贴,单户企业最高补贴500万元。",
        "按省工信厅、省财政厅发布的首台(套)、首批次保险补偿申报通知,提交投保和保费支付等材料申报。",
    ),
    47: Editorial(
        "trade",
        P,
        "支持企业利用RCEP等国际规则,用好关税减让、原产地证等政策扩大出口;鼓励金融机构向符合条件的中小外贸企业"
        "提供普惠金融和信用融资;支持跨境电商、外贸综合服务平台、市场采购贸易、共享海外仓等外贸新业态,"
        "支持综合保税区开展保税检测、保税维修等业务。",
        "出口企业可向海关或贸促机构申领RCEP等原产地证书以享受关税减让;其他外贸支持可咨询省商务厅、太原海关。",
    ),
    48: Editorial(
        "trade",
        P,
        "支持保险公司在风险可控前提下优化出口信用保险承保理赔服务,加大对出运前订单被取消风险的保障力度,"
        "创新产品组合,充分发挥出口信用保险作用。",
        EXPORT_INSURANCE,
        ("充分发挥出口信用保险作用",),
    ),
    49: Editorial(
        "trade",
        P,
        "抓好国家稳外贸政策落实,制定我省外贸发展支持措施,加强出口信用保险宣传指导,扩大出口信用保险覆盖面,"
        "鼓励企业充分利用出口信用保险扩大出口。",
        EXPORT_INSURANCE,
    ),
    50: Editorial(
        "trade",
        P,
        "印发中央外经贸资金申报指南,支持外贸企业与航运企业签订长单,对我省企业的国际物流费用给予适度补助。",
        "按省商务厅印发的中央外经贸资金申报指南,申报国际物流费用补助。",
    ),
    51: Editorial(
        "trade",
        P,
        "制定山西省参与“一带一路”建设2022年工作要点,积极争取中欧班列发行补助,增加中欧班列车次,引导企业扩大出口;"
        "协调国铁集团扩大中欧中亚班列开行数量,常态化实施月安排、旬对接,为省内企业提供服务。",
        "有出口货源的企业可通过省商务厅或国铁太原局集团对接中欧(中亚)班列运力安排。",
    ),
    52: Editorial(
        "trade",
        I,
        "编制《山西外商投资指南》《山西外资招商项目册》,引导更多外资投向我省高端制造业,"
        "积极争取国家对我省重大外资项目给予土地、环保、资金等支持,便利外资企业高管及其家属来华,"
        "推动项目早签约、早投产、早达产。",
        WORK_ITEM,
        ("进一步做好重点领域利用外资工作",),
    ),
    53: Editorial(
        "consumption-quality",
        I,
        "释放重点领域消费潜力,支持家电回收处理体系建设,推动家电更新消费;"
        "开展新能源汽车、智能家电、绿色建材下乡行动,扩大优质工业产品消费市场。",
        WORK_ITEM,
    ),
    54: Editorial(
        "consumption-quality",
        I,
        "制定落实《山西省质量强省战略规划》,支持企业应用新技术、新工艺、新材料提升工业产品质量;建立完善质量追溯机制,"
        "鼓励企业开展覆盖产品设计、原料采购、进货验收、生产控制、出厂检验、售后服务等全过程的质量管理。",
        WORK_ITEM,
    ),
    55: Editorial(
        "consumption-quality",
        P,
        "鼓励企事业单位、社会组织和个人积极参与标准制修订工作;在标准化领域作出显著成绩的单位和个人,"
        "按《山西省标准化创新贡献奖管理办法》予以表彰奖励。同时推进省级技术标准创新基地建设。",
        "按省市场监管局发布的山西省标准化创新贡献奖评选通知申报。",
        ("鼓励", "积极参与标准制修订工作"),
    ),
    56: Editorial(
        "consumption-quality",
        I,
        "高水平办好中国品牌日活动,采取线上线下参展模式,组织一批我省先进制造业企业参展,扩大品牌知名度和影响力,"
        "打造享誉海外的山西制造业品牌。",
        "本条为政府部门工作事项;有意参展的企业可咨询省发展改革委、省工信厅。",
    ),
    57: Editorial(
        "factors-green",
        I,
        "保障纳入规划的重大项目土地供应,支持产业用地实行“标准地”出让,加强“标准地”全生命周期管理,"
        "出台《山西省“标准地”改革工作指引》;2022年省级及以上开发区出让“标准地”宗数占本开发区工业用地的比重不低于80%。",
        WORK_ITEM,
    ),
    58: Editorial(
        "factors-green",
        I,
        "落实《山西省工业用地弹性出让办法(试行)》,支持不同产业用地类型按程序合理转换,完善土地用途变更、整合、置换等政策;"
        "鼓励以长期租赁、先租后让、弹性年期供应等方式供应产业用地。",
        "本条为政府部门工作事项;企业用地需求可咨询当地自然资源部门。",
    ),
    59: Editorial(
        "factors-green",
        P,
        "持续推进省校合作12大基地建设,深化产教融合、校企合作;2022年全年开展各类补贴性职业技能培训50万人以上,"
        "着力解决工业企业用工难问题。",
        "企业可组织职工参加补贴性职业技能培训,按当地人社部门的规定申请职业培训补贴。",
    ),
    60: Editorial(
        "factors-green",
        I,
        "研究制定我省“十四五”节能目标责任评价考核方案,优化考核频次,在“十四五”规划期内统筹考核能耗强度目标;"
        "落实新增可再生能源和原料用能消费不纳入能源消费总量控制的政策,在“十四五”考核时相应扣减。",
        WORK_ITEM,
        ("研究制定我省“十四五”节能目标责任评价考核方案",),
    ),
    61: Editorial(
        "factors-green",
        I,
        "研究制定进一步做好能耗双控工作支持产业发展的若干措施,积极争取我省符合重大项目能耗单列要求的项目"
        "纳入国家能耗单列目录,并加快组织实施。",
        WORK_ITEM,
    ),
    62: Editorial(
        "factors-green",
        P,
        "实施重污染天气重点行业绩效分级动态管理:绩效评级为A级、B级的企业和重大民生保障企业,"
        "可免除或减少重污染天气应急响应期间的停产、限产。",
        "向所在地生态环境部门申请重点行业绩效分级评级,或申请纳入重大民生保障企业;评为A级、B级后按应急响应要求执行。",
    ),
    63: Editorial(
        "factors-green",
        I,
        "对能源产业、大型风光电基地建设、节能降碳改造等重大项目,加快规划环评和项目环评进度,保障尽快开工建设。",
        WORK_ITEM,
        ("加快规划环评和项目环评进度",),
    ),
    64: Editorial(
        "services",
        I,
        "做好重点市、重点行业、重点园区和重点企业运行情况的调度监测,定期开展工业经济运行分析。",
        WORK_ITEM,
    ),
    65: Editorial(
        "services",
        I,
        "深入开展“一月一入企、全年大服务”活动,围绕促进企业提质升级、实施企业精准服务、遴选树立龙头标杆三大任务,"
        "为企业办实事,助力企业高质量发展。",
        WORK_ITEM,
    ),
    66: Editorial(
        "services",
        I,
        "出台《山西省营商环境创新提升行动方案》,推行“承诺制+标准地+全代办”优质服务,深化“一枚印章管审批”改革,"
        "打造“7×24小时不打烊”政务服务超市,营造高效便捷的政务环境。",
        WORK_ITEM,
    ),
    67: Editorial(
        "services",
        I,
        "落实全省“市场主体建设年”工作安排,实施市场主体倍增行动,全年规上工业企业确保净增700户、力争净增1000户,"
        "总数达7500户以上。",
        WORK_ITEM,
    ),
    68: Editorial(
        "services",
        I,
        "科学精准做好疫情防控,突发疫情时保障重点产业园区、重点工业企业正常有序运行;按照“谁主管、谁负责”提前制定应对预案,"
        "加强重要节假日企业开复工监测调度,及时协调解决困难问题。",
        "本条为政府部门工作事项;疫情期间生产经营遇到困难,可向省工信厅等责任单位反映。",
    ),
    69: Editorial(
        "services",
        I,
        "加大政策宣传力度,各部门将本部门相关政策逐级传达,设立政策解读专线电话和网络信箱,指导企业便捷享受政策红利。",
        "本条为政府部门工作事项;政策疑问可通过各部门的政策解读专线电话和网络信箱咨询。",
    ),
    70: Editorial(
        "services",
        I,
        "建立由省政府领导牵头的促进工业经济平稳增长协调机制,负责政策跟踪落地、政策效果评估、政策研究储备、"
        "解决重大事项等工作,统筹推进全省工业经济平稳增长。",
        WORK_ITEM,
    ),
}

# Dates stated with certainty by the source or by 财政部 税务总局公告2022年第14号/第17号. The
# engine helper fills `condition` (measure 12's April deadline applies to micro enterprises only).
MICRO_BY_REFUND_RULE = {"size": "refund_300", "in": ["micro"]}
DEADLINES = [
    (12, "2022-04-30", "微型企业存量留抵税额集中退还", MICRO_BY_REFUND_RULE),
    (12, "2022-06-30", "小型企业等存量留抵税额集中退还", {"not": MICRO_BY_REFUND_RULE}),
]

# ---------------------------------------------------------------------------------------------
# Fixture
# ---------------------------------------------------------------------------------------------


def title_for(number: int, text: str) -> str:
    fragments = EDITORIAL[number].title
    title = "".join(fragments) if fragments else first_clause(text)
    if not fragments:
        assert title != text and len(title) <= 30, f"measure {number}: first clause unusable: {title}"
    assert len(title) <= 30, f"measure {number}: title too long: {title}"
    assert all(fragment in text for fragment in fragments), f"measure {number}: title not from the text"
    assert source_words(title, text), f"measure {number}: title uses words not in the text: {title}"
    return title


def build(raw: str) -> list[dict]:
    measures = parse_source(raw)
    assert sorted(EDITORIAL) == list(range(1, MEASURE_COUNT + 1))

    objects: list[dict] = [{"model": f"{APP}.policydocument", "pk": 1, "fields": dict(DOCUMENT)}]

    category_pk = {}
    for order, (slug, name, description) in enumerate(CATEGORIES, start=1):
        category_pk[slug] = order
        objects.append(
            {
                "model": f"{APP}.category",
                "pk": order,
                "fields": {"name": name, "slug": slug, "order": order, "description": description},
            }
        )

    unit_pk: dict[str, int] = {}
    for measure in measures:
        for name in measure.units:
            unit_pk.setdefault(name, len(unit_pk) + 1)
    unknown = set(UNIT_DETAILS) - set(unit_pk)
    assert not unknown, f"details for units the source does not name: {unknown}"
    for name, pk in unit_pk.items():
        full_name, phone = UNIT_DETAILS.get(name, ("", ""))
        objects.append(
            {
                "model": f"{APP}.responsibleunit",
                "pk": pk,
                "fields": {
                    "name": name,
                    "full_name": full_name,
                    "phone": phone,
                    "address": "",
                    "website": "",
                    "order": pk,
                },
            }
        )

    measure_unit_pk = 0
    for measure in measures:
        editorial = EDITORIAL[measure.number]
        assert editorial.delivery in (A, P, I)
        valid_from, valid_until = VALIDITY_EXCEPTIONS.get(measure.number, (VALID_FROM, VALID_UNTIL))
        objects.append(
            {
                "model": f"{APP}.measure",
                "pk": measure.number,
                "fields": {
                    "document": 1,
                    "number": measure.number,
                    "title": title_for(measure.number, measure.text),
                    "text": measure.text,
                    "summary": editorial.summary,
                    "category": category_pk[editorial.category],
                    "valid_from": valid_from,
                    "valid_until": valid_until,
                    "delivery": editorial.delivery,
                    "how_to_apply": editorial.how_to_apply,
                    "apply_url": "",
                    "is_draft": False,
                    "draft_of": None,
                    # A fixed stamp (the plan's issue date) keeps the fixture deterministic.
                    "published_at": PUBLISHED_AT,
                },
            }
        )
    for measure in measures:
        for position, name in enumerate(measure.units):
            measure_unit_pk += 1
            objects.append(
                {
                    "model": f"{APP}.measureunit",
                    "pk": measure_unit_pk,
                    "fields": {"measure": measure.number, "unit": unit_pk[name], "position": position},
                }
            )
    for pk, (number, date, label, condition) in enumerate(DEADLINES, start=1):
        objects.append(
            {
                "model": f"{APP}.deadline",
                "pk": pk,
                "fields": {"measure": number, "date": date, "label": label, "condition": condition},
            }
        )
    return objects


def render(objects: list[dict]) -> str:
    return json.dumps(objects, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--check", action="store_true", help="fail if the output file is not up to date")
    args = parser.parse_args(argv)

    content = render(build(args.source.read_text(encoding="utf-8")))
    return write_or_check(args.output, content, "build_catalogue.py", args.check)


if __name__ == "__main__":
    sys.exit(main())
