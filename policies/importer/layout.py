"""Undo the page layout: page numbers, headers repeated on every page, lines a PDF broke."""

from __future__ import annotations

import re
from collections import Counter

from policies.importer.formats import PAGE_BREAK

# "- 3 -", "— 3 —", "第3页", "第 3 页 共 20 页", "3/20" on a line of their own.
PAGE_NUMBER = re.compile(
    r"^\s*(?:[-—–]\s*\d{1,4}\s*[-—–]|第\s*\d{1,4}\s*页(?:\s*[,,]?\s*共\s*\d{1,4}\s*页)?|\d{1,4}\s*/\s*\d{1,4})\s*$"
)
ALNUM = re.compile(r"[0-9A-Za-z]")


def is_page_number(line: str) -> bool:
    return bool(PAGE_NUMBER.match(line))


def split_pages(lines: list[str]) -> tuple[list[list[str]], int]:
    """Pages separated by page breaks or page-number lines (which are dropped); also their count."""
    pages: list[list[str]] = [[]]
    page_numbers = 0
    for line in lines:
        if line == PAGE_BREAK or is_page_number(line):
            page_numbers += line != PAGE_BREAK
            if pages[-1]:
                pages.append([])
            continue
        pages[-1].append(line)
    return [page for page in pages if any(line.strip() for line in page)], page_numbers


def squeeze(line: str) -> str:
    return re.sub(r"\s+", "", line)


def repeated_page_lines(pages: list[list[str]]) -> set[str]:
    """Lines that open or close most pages: running headers and footers, not document text.

    A line counts when it is the first or last non-blank line of at least three pages and of at
    least half of them; the document's own text does not repeat itself at page edges like that.
    """
    if len(pages) < 3:
        return set()
    edges: Counter[str] = Counter()
    for page in pages:
        filled = [squeeze(line) for line in page if line.strip()]
        edges.update({filled[0], filled[-1]})
    return {line for line, count in edges.items() if count >= 3 and count * 2 >= len(pages)}


def strip_layout(lines: list[str]) -> tuple[list[str], int, dict[str, int]]:
    """Body lines without page numbers and running headers; the number of page numbers dropped and
    how often each running header was dropped."""
    pages, page_numbers = split_pages(lines)
    repeated = repeated_page_lines(pages)
    dropped: Counter[str] = Counter()
    body: list[str] = []
    for page in pages:
        filled = [i for i, line in enumerate(page) if line.strip()]
        edge_positions = {filled[0], filled[-1]} if filled else set()
        for i, line in enumerate(page):
            if i in edge_positions and squeeze(line) in repeated:
                dropped[squeeze(line)] += 1
                continue
            body.append(line)
    return body, page_numbers, dict(dropped)


def join_lines(lines: list[str]) -> str:
    """Join broken lines into running text, dropping the spaces an extraction or a typist inserted.

    Chinese needs no separator between lines. PDF extractions put spaces around digits and latin
    words ("单位价值 500 万元"); a space survives only between two latin letters or digits, where it
    separates two words.
    """
    text = ""
    for line in lines:
        piece = line.strip()
        if not piece:
            continue
        if text and ALNUM.match(text[-1]) and ALNUM.match(piece[0]):
            text += " "
        text += piece

    def keep_word_space(match: re.Match[str]) -> str:
        before = match.string[match.start() - 1] if match.start() else ""
        after = match.string[match.end()] if match.end() < len(match.string) else ""
        return " " if ALNUM.fullmatch(before or "_") and ALNUM.fullmatch(after or "_") else ""

    return re.sub(r"\s+", keep_word_space, text)
