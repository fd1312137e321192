"""Split ``INSERT|REPLACE ... VALUES (<placeholders>) [ON DUPLICATE ...][;]`` for
executemany(), in linear time.

mysqlclient does this with one regular expression (``cursors.RE_INSERT_VALUES``):

    \\s*(?:INSERT|REPLACE)\\b.+\\bVALUES?\\s*  (\\(\\s*P\\s*(?:,\\s*P\\s*)*\\))
    (\\s*(?:ON DUPLICATE.*)?);?\\s*\\Z      with P = %s | %\\(.+\\)s, IGNORECASE|DOTALL

Its nested ``.+`` backtracks exponentially on a row of named placeholders that does
not match, with the GIL held. This gives the same three groups on every input the
expression matches (and None on every other), in O(n): a table computed right to
left says from which positions the rest of the pattern can still match, then one
walk left to right takes, at each choice, the branch backtracking would try first
(the longer ``.+``, another row item) whenever the table says it can succeed.
"""

from __future__ import annotations

import re

# The literal parts, matched case-insensitively exactly as the expression does
# (under re.IGNORECASE "s" also matches U+017F and "i" U+0130/U+0131).
_KEYWORD = re.compile(r"\s*(?:INSERT|REPLACE)\b", re.IGNORECASE)
_VALUE = re.compile(r"\bVALUE", re.IGNORECASE)
_ON_DUPLICATE = re.compile(r"ON DUPLICATE", re.IGNORECASE)
_S = frozenset("sS\u017f")


def split_insert_values(query: str):
    """``(head, row, tail)`` as mysqlclient's expression would capture them, or None."""
    keyword = _KEYWORD.match(query)
    if keyword is None:
        return None
    n = len(query)
    text = query + "\0\0\0"  # reads past the end see a character no rule accepts
    start = keyword.end() - len(keyword.group().lstrip())  # the head starts here

    # next_solid[i]: first position >= i that is not whitespace (n at the end).
    next_solid = [n] * (n + 4)
    for i in range(n - 1, -1, -1):
        next_solid[i] = next_solid[i + 1] if text[i].isspace() else i

    def tail_ok(i):  # query[i:] matches \s*(?:ON DUPLICATE.*)?;?\s*\Z
        j = next_solid[i]
        return (j == n or _ON_DUPLICATE.match(query, j) is not None
                or (text[j] == ";" and next_solid[j + 1] == n))

    # Can the row pattern still match from position i, in state:
    #   item: before \s*P;  after: after P, before \s* and then "," or ")";
    #   name: inside %\( .+ with at least one character taken.
    item = [False] * (n + 4)
    after = [False] * (n + 4)
    name = [False] * (n + 4)
    for i in range(n, -1, -1):
        name[i] = (i < n and name[i + 1]) or (text[i] == ")" and text[i + 1] in _S
                                              and after[i + 2])
        j = next_solid[i]
        after[i] = ((text[j] == "," and item[j + 1])
                    or (text[j] == ")" and tail_ok(j + 1)))
        item[i] = text[j] == "%" and (
            (text[j + 1] in _S and after[j + 2])
            or (text[j + 1] == "(" and j + 2 < n and name[j + 3]))

    def row_from(k):
        """Where the row starts if the head's .+ ends at k, else None."""
        if _VALUE.match(query, k) is None:  # \bVALUE (the \b sees query[k - 1])
            return None
        v = k + 6 if text[k + 5] in _S else k + 5
        m = next_solid[v]
        return m if text[m] == "(" and item[m + 1] else None

    # The head's .+ (at least one character) is greedy: the last VALUES from which
    # the rest matches.
    row_start = None
    for k in range(n - 1, keyword.end(), -1):
        row_start = row_from(k)
        if row_start is not None:
            break
    if row_start is None:
        return None

    # Walk the row, preferring what backtracking tries first.
    i, state = row_start + 1, "item"
    while True:
        if state == "item":
            j = next_solid[i]
            if text[j + 1] in _S:
                i, state = j + 2, "after"
            else:  # %( and the name's first character
                i, state = j + 3, "name"
        elif state == "name":
            while name[i + 1]:  # a longer name still lets the rest match
                i += 1
            i, state = i + 2, "after"
        else:
            j = next_solid[i]
            if text[j] == "," and item[j + 1]:
                i, state = j + 1, "item"
            else:
                row_end = j + 1
                break
    j = next_solid[row_end]
    tail_end = n if j < n and _ON_DUPLICATE.match(query, j) else j
    return query[start:row_start], query[row_start:row_end], query[row_end:tail_end]
