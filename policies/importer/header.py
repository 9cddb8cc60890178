"""Read the 公文 header: 文号, issuer, title and date, from the lines before the first measure."""

from __future__ import annotations

import datetime
import re

from policies.chinese_numerals import chinese_number, digit_by_digit
from policies.importer.layout import squeeze
from policies.importer.model import DocumentHeader, ImportWarning

# 晋政办发〔2022〕34号; PDF extractions and typists write the 六角括号 as [ ], ［ ］, ( ) or 【 】.
DOC_NUMBER = re.compile(r"([\u4e00-\u9fff]{1,12}?)([〔\[［【(（])((?:19|20)\d{2})([〕\]］】)）])(\d{1,4})号")
DATE = re.compile(r"((?:19|20)\d{2})年(\d{1,2})月(\d{1,2})日")
CN_DATE = re.compile(
    r"([〇零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,2})月([一二三四五六七八九十]{1,3})日"
)
# A title starts "关于…", or "山西省人民政府关于…" with the issuer in front.
TITLE_START = re.compile(r"^(?:[\u4e00-\u9fff]{2,20}?)?关于")
# The 文种 a title ends with (GB/T 9704-2012 and 《党政机关公文处理工作条例》).
TITLE_END = re.compile(
    r"(通知|意见|决定|办法|方案|规定|通告|公告|通报|批复|函|报告|细则|措施|规划|计划|纲要|条例)$"
)
# "关于印发《X》的通知": the document is X, the plan the notice issues.
ISSUING_NOTICE = re.compile(r"^(?:[\u4e00-\u9fff]{2,20}?)?关于(?:印发|转发|下发)《?(.+?)》?的通知$")


def parse_date(text: str) -> datetime.date | None:
    match = DATE.search(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
    else:
        match = CN_DATE.search(text)
        if not match:
            return None
        cn_year = digit_by_digit(match.group(1))
        cn_month, cn_day = chinese_number(match.group(2)), chinese_number(match.group(3))
        if not (cn_year and cn_month and cn_day):
            return None
        year, month, day = cn_year, cn_month, cn_day
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def parse_header(preface: list[str]) -> tuple[DocumentHeader, list[ImportWarning]]:
    lines = [squeeze(line) for line in preface if line.strip()]
    warnings: list[ImportWarning] = []

    number = ""
    number_line = None
    for i, line in enumerate(lines):
        match = DOC_NUMBER.search(line)
        if match:
            prefix, opening, year, closing, serial = match.groups()
            number = f"{prefix}〔{year}〕{serial}号"
            number_line = i
            if (opening, closing) != ("〔", "〕"):
                warnings.append(
                    ImportWarning(
                        "number_brackets", f"文号“{match.group(0)}”的括号已按公文格式写作“〔〕”:{number}。"
                    )
                )
            break
    if not number:
        warnings.append(ImportWarning("number_missing", "未找到文号(如“晋政办发〔2022〕34号”),请手工填写。"))

    title, issuer = "", ""
    start = next((i for i, line in enumerate(lines) if TITLE_START.match(line)), None)
    if start is not None:
        if number_line is not None and number_line > start:
            # The title fills the lines between 关于 and the 文号 (红头 documents put it the other way).
            end = number_line - 1
        else:
            end = start
            # A long title is broken over several lines; it ends with its 文种.
            while not TITLE_END.search("".join(lines[start : end + 1])) and end + 1 < min(
                len(lines), start + 4
            ):
                end += 1
        title = "".join(lines[start : end + 1])
        # The issuer stands above the title, or as the 红头 "XX文件" above the 文号; else it opens the title.
        above = [
            line for i, line in enumerate(lines[:start]) if i != number_line and not DOC_NUMBER.search(line)
        ]
        if above:
            issuer = above[-1].removesuffix("文件")
        else:
            issuer = lines[start][: lines[start].index("关于")]
        issued = ISSUING_NOTICE.match(title)
        if issued:
            title = issued.group(1)
    if not title:
        warnings.append(ImportWarning("title_missing", "未找到文件标题(以“关于”开头的一行),请手工填写。"))
    issued_on = None
    signature = ""
    # The 成文日期 stands on a line of its own under the signature; a date inside a sentence is not it.
    for i, line in enumerate(lines):
        if DATE.fullmatch(line) or CN_DATE.fullmatch(line):
            issued_on = parse_date(line)
            signature = lines[i - 1] if i else ""
            break
    if not issuer and 2 <= len(signature) <= 40 and not TITLE_END.search(signature):
        # No name above the title: the signature above the date names the issuer.
        issuer = signature
    if not issuer or len(issuer) > 40:
        issuer = ""
        warnings.append(ImportWarning("issuer_missing", "未找到发文机关,请手工填写。"))
    if issued_on is None:
        warnings.append(ImportWarning("date_missing", "未找到成文日期(如“2022年4月14日”),请手工填写。"))
    return DocumentHeader(number=number, title=title, issuer=issuer, issued_on=issued_on), warnings
