"""The statements a port writes, laid out as ``ruff format`` (black) lays out code.

A port moves the script's expressions into statements of its own (``loss = f(x)`` becomes
``def loss(x): return f(x)``) and writes new ones (a training step's ``apply_gradients`` over
every variable). Rendered as they were, an expression's line breaks, made for its old place,
leave continuation lines shallower than their new statement, and a new statement may pass 100
columns. So each statement of the program that is not the script's own, character for
character, is laid out again at the column where it stands: on one line if it fits in
``WIDTH``, else split as black splits (``right_hand_split``, then ``delimiter_split``): the
contents of its last brackets on lines of their own, one level deeper, the closing bracket back
at the statement's column (earlier brackets when the line up to the last ones' does not fit);
contents still too long split after each comma (adding a trailing comma) or before each
operator of the loosest kind, a list, tuple or dict split one element a line; ``return`` and
assignments put a tuple, or a value with several operators of its loosest kind, in brackets of
their own. The script's own statements (its data code, loops, prints and comments, its quotes
and the spacing between its tokens) are left as the author wrote them; so is any statement with
a comment or a multi-line string inside it.

This is black's algorithm for the code a port writes (calls, arithmetic, lists), not all of
it: no ``# fmt:`` comments, no joining or splitting of strings, no spacing of operators, and
only black's main rules for choosing between brackets (``tests/test_port_layout.py`` compares
the statements a port writes with what ``ruff format`` makes of them).
"""

from __future__ import annotations

import io
import keyword
import tokenize
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import libcst as cst

#: The longest line a port writes (the project's ``ruff`` line length).
WIDTH = 100
#: One level of indentation inside brackets.
INDENT = 4
OPENING = "([{"
CLOSING = ")]}"
#: Black's priorities of the places a line may be split at (the loosest split first).
COMPREHENSION, COMMA, TERNARY, LOGIC, STRING, COMPARATOR, DOT = 20, 18, 16, 14, 12, 10, 1
MATH = {
    "|": 9,
    "^": 8,
    "&": 7,
    "<<": 6,
    ">>": 6,
    "+": 5,
    "-": 5,
    "*": 4,
    "/": 4,
    "//": 4,
    "%": 4,
    "@": 4,
    "**": 1,
}
COMPARISONS = frozenset({"<", ">", "==", ">=", "<=", "!=", "in", "not", "is"})
#: What a ``+``, ``-``, ``*`` or ``**`` after which is unary (or an unpacking), not a delimiter.
OPERAND_STARTS = frozenset({"(", "[", "{", ",", "=", ":", "return", "lambda", "@", *MATH})


@dataclass(frozen=True)
class Token:
    """One token of a statement and the whitespace before it on one line."""

    text: str
    space: str = ""


Line = Sequence[Token]


def tokens(code: str) -> list[Token] | None:
    """The tokens of one statement's ``code`` and the spacing of its flat line: the author's
    between two tokens of one line; across a line break, one space (none after an opening
    bracket, before a closing one or a comma). None when the statement holds a comment or
    a multi-line string, which have no flat line."""
    found: list[Token] = []
    previous: tokenize.TokenInfo | None = None
    lines = code.splitlines(keepends=True)
    f_strings = 0
    start: tuple[int, int] = (0, 0)
    skipped = {tokenize.NEWLINE, tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}
    try:
        generated = list(tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, SyntaxError):
        return None
    for token in generated:
        if token.type == tokenize.COMMENT or token.start[0] != token.end[0]:
            return None
        if token.type in skipped:
            continue
        # Python 3.12 tokenizes an f-string's parts: it stays one token.
        if token.type == getattr(tokenize, "FSTRING_START", None):
            f_strings += 1
            if f_strings == 1:
                start = token.start
            continue
        if f_strings:
            if token.type == getattr(tokenize, "FSTRING_END", None):
                f_strings -= 1
            if f_strings:
                continue
        else:
            start = token.start
        row, column = start
        text = lines[row - 1][column : token.end[1]]
        if previous is None:
            space = ""
        elif previous.end[0] == row:
            space = lines[row - 1][previous.end[1] : column]
        else:
            space = "" if found[-1].text in OPENING or text in CLOSING or text == "," else " "
        found.append(Token(text, space))
        previous = token
    return found


def flat(line: Line) -> str:
    """``line`` on one line."""
    return "".join(token.space + token.text for token in line).lstrip()


def depths(line: Line) -> list[int]:
    """Each token's bracket depth (an opening bracket at its outer depth)."""
    depth = 0
    found = []
    for token in line:
        if token.text in CLOSING:
            depth -= 1
        found.append(depth)
        if token.text in OPENING:
            depth += 1
    return found


def matching(line: Line, closing: int) -> int:
    """The index of the opening bracket that the bracket at ``closing`` closes."""
    depth = 0
    for index in range(closing, -1, -1):
        if line[index].text in CLOSING:
            depth += 1
        elif line[index].text in OPENING:
            depth -= 1
            if depth == 0:
                return index
    raise ValueError("unbalanced brackets")


def delimiters(line: Line) -> list[tuple[int, int]]:
    """(index, priority) of the places at depth 0 where ``line`` may be split: after a comma,
    before an operator (a dot only after a call: ``f(x).numpy()``), a comprehension's ``for``
    and ``if``."""
    found = []
    in_lambda = in_for = comprehension = False
    for index, (token, depth) in enumerate(zip(line, depths(line), strict=True)):
        text = token.text
        if depth:
            continue
        before = line[index - 1].text if index else "return"
        after = line[index + 1].text if index + 1 < len(line) else ""
        if text == "lambda":
            in_lambda = True
        elif text == ":" and in_lambda:
            in_lambda = False
        elif text == "," and not in_lambda:
            found.append((index, COMMA))
        elif text == "for" and index:
            in_for = comprehension = True
            found.append((index, COMPREHENSION))
        elif text == "in" and in_for:
            in_for = False
        elif text == "if" and comprehension:
            found.append((index, COMPREHENSION))
        elif text in ("if", "else") and index:
            found.append((index, TERNARY))
        elif text in ("and", "or"):
            found.append((index, LOGIC))
        elif text in COMPARISONS:
            # ``not in`` and ``is not`` are one comparison; a lone ``not`` is no delimiter.
            lone_not = text == "not" and (after != "in" or before == "is")
            if not lone_not and not (text == "in" and before == "not"):
                found.append((index, COMPARATOR))
        elif text in MATH and before not in OPERAND_STARTS:
            found.append((index, MATH[text]))
        elif text == "." and before in CLOSING:
            found.append((index, DOT))
        elif is_string(text) and is_string(before):
            found.append((index, STRING))
    return found


def is_string(text: str) -> bool:
    """Whether a token is a string (with or without a prefix: no other token ends in a quote)."""
    return text[-1:] in ("'", '"')


def magic_comma(line: Line) -> bool:
    """Whether a bracket of ``line`` ends with a comma (black keeps it one element a line),
    but for a one-element tuple ``(a,)``."""
    for index, token in enumerate(line):
        if token.text in CLOSING and index and line[index - 1].text == ",":
            opening = matching(line, index)
            inner = line[opening + 1 : index - 1]
            one = not any(priority == COMMA for _, priority in delimiters(inner))
            tuple_or_subscript = (token.text == ")") != called(line, opening)
            if not (one and token.text in ")]" and tuple_or_subscript):
                return True
    return False


def called(line: Line, opening: int) -> bool:
    """Whether the bracket at ``opening`` is a call's or a subscript's (it follows a value)."""
    if opening == 0:
        return False
    before = line[opening - 1].text
    name = before.isidentifier() and not keyword.iskeyword(before)
    return before in CLOSING or name or is_string(before)


def fits(line: Line, column: int) -> bool:
    """Whether ``line`` stays one line at ``column``."""
    return column + len(flat(line)) <= WIDTH and not magic_comma(line)


def laid_out(
    line: Line, column: int, inside: bool = False, explode: bool = False
) -> Iterator[tuple[int, Line]]:
    """The lines of ``line`` starting at ``column``, each with its column (``inside``: the
    contents of brackets, which may be split at their delimiters; ``explode``: split them even
    if they fit)."""
    if not explode and fits(line, column):
        yield column, line
        return
    if inside:
        parts = delimiter_split(line)
        if parts is not None:
            for part in parts:
                yield from laid_out(part, column, inside=True)
            return
    split = right_hand_split(line, column)
    if split is None:
        yield column, line
        return
    opening, closing = split
    body = [Token(line[opening + 1].text), *line[opening + 2 : closing]]
    # A collection split is one element a line, as is anything ending with a comma (black's
    # ``should_split_line``, its "magic trailing comma").
    exploded = has_commas(body) and (body[-1].text == "," or not called(line, opening))
    yield from laid_out(line[: opening + 1], column, inside)
    yield from laid_out(body, column + INDENT, inside=True, explode=exploded)
    yield from laid_out([Token(line[closing].text), *line[closing + 1 :]], column, inside)


def has_commas(body: Line) -> bool:
    """Whether the contents of brackets hold several elements (a comma before their last)."""
    return any(p == COMMA and i < len(body) - 1 for i, p in delimiters(body))


def right_hand_split(line: Line, column: int) -> tuple[int, int] | None:
    """Where black's ``rhs`` splits ``line``: its opening and closing brackets. The last
    brackets at depth 0 that hold something, or earlier ones (what follows them fitting on
    a line) when the line up to the last ones' opening bracket does not fit."""
    levels = depths(line)
    found: list[tuple[int, int]] = []
    for closing in range(len(line) - 1, 0, -1):
        if levels[closing] or line[closing].text not in CLOSING:
            continue
        if found and column + len(flat(line[closing:])) > WIDTH:
            break
        opening = matching(line, closing)
        if opening + 1 < closing:
            found.append((opening, closing))
    for opening, closing in found:
        if column + len(flat(line[: opening + 1])) <= WIDTH:
            return opening, closing
    return found[0] if found else None


def delimiter_split(line: Line) -> list[Line] | None:
    """The contents of brackets split at their loosest delimiters (None: they have none that
    black splits at); a split after commas ends with one."""
    found = delimiters(line)
    if not found:
        return None
    loosest = max(priority for _, priority in found)
    places = [index for index, priority in found if priority == loosest]
    if loosest == DOT and len(places) == 1:
        return None  # splitting a single attribute from its parent looks wrong (black)
    parts: list[list[Token]] = [[]]
    for index, token in enumerate(line):
        if index in places and loosest != COMMA:
            parts.append([])
        parts[-1].append(token if parts[-1] else Token(token.text))
        if index in places and loosest == COMMA:
            parts.append([])
    if loosest == COMMA and parts[-1]:
        parts[-1].append(Token(","))
    split: list[Line] = [part for part in parts if part]
    return split if len(split) > 1 else None  # only a trailing comma: nothing split


def value_start(line: Line) -> int | None:
    """Where the value of a ``return`` or an assignment starts (None: not one)."""
    if line and line[0].text == "return" and len(line) > 1:
        return 1
    for index, (token, depth) in enumerate(zip(line, depths(line), strict=True)):
        if depth == 0 and token.text.endswith("=") and token.text not in ("==", "<=", ">=", "!="):
            return index + 1 if index + 1 < len(line) else None
    return None


def needs_brackets(value: Line, column: int) -> bool:
    """Whether black wraps a statement's ``value`` in brackets of its own (its "invisible
    parentheses" made visible) rather than split it at its last brackets (black's
    ``can_omit_invisible_parens``, negated): a value with several delimiters of its loosest
    kind, or one that does not end in brackets holding something (found at ``column``)."""
    found = delimiters(value)
    if len(value) < 2:
        return False  # a long name or string: brackets would not shorten it
    if not found:
        return value[-1].text not in CLOSING
    loosest = max(priority for _, priority in found)
    if loosest == COMMA or sum(1 for _, priority in found if priority == loosest) > 1:
        return True  # a tuple, or several operators of a kind, read better in brackets
    if loosest == DOT:
        return False
    if value[-1].text in CLOSING and value[-2].text not in OPENING:
        opening = matching(value, len(value) - 1)
        others = any(token.text in OPENING for token in value[:opening])
        return not (others or column + INDENT + len(flat(value[: opening + 1])) <= WIDTH)
    return True


def statement_lines(line: Line, column: int) -> list[tuple[int, Line]]:
    """The lines of one statement (or decorator) at ``column``."""
    start = value_start(line)
    if not fits(line, column) and start is not None:
        value = line[start:]
        if needs_brackets(value, column):
            head = [*line[:start], Token("(", " ")]
            body = [Token(value[0].text), *value[1:]]
            return [
                *laid_out(head, column),
                *laid_out(body, column + INDENT, inside=True, explode=has_commas(body)),
                (column, [Token(")")]),
            ]
    return list(laid_out(line, column))


def code_laid_out(code: str, column: int) -> str | None:
    """One statement's ``code`` laid out at ``column``, its continuation lines indented from
    its first line (None: left as it is, see ``tokens``)."""
    found = tokens(code)
    if found is None:
        return None
    lines = statement_lines(found, column)
    return "\n".join(" " * (at - column) + flat(line) for at, line in lines)


class Layout(cst.CSTTransformer):
    """Lays out each statement and decorator of a program that is not one of ``kept`` (the
    code of the script's own), at the column where it stands."""

    def __init__(self, kept: set[str], default_indent: str) -> None:
        self.kept = kept
        self.default_indent = default_indent
        self.columns = [0]

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        indent = node.indent if node.indent is not None else self.default_indent
        self.columns.append(self.columns[-1] + len(indent))

    def leave_IndentedBlock(
        self, original: cst.IndentedBlock, updated: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        self.columns.pop()
        return updated

    def leave_SimpleStatementLine(
        self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine:
        code = statement_code(updated)
        if code in self.kept or len(updated.body) != 1:
            return updated
        made = code_laid_out(code, self.columns[-1])
        if made is None or made == code:
            return updated
        statement = cst.parse_statement(made + "\n")
        assert isinstance(statement, cst.SimpleStatementLine)
        return updated.with_changes(body=statement.body)

    def leave_Decorator(self, original: cst.Decorator, updated: cst.Decorator) -> cst.Decorator:
        code = cst.Module([]).code_for_node(updated.with_changes(leading_lines=[])).rstrip("\n")
        if code in self.kept:
            return updated
        made = code_laid_out(code, self.columns[-1])
        if made is None or made == code:
            return updated
        function = cst.parse_statement(f"{made}\ndef f():\n    pass\n")
        assert isinstance(function, cst.FunctionDef)
        return updated.with_changes(decorator=function.decorators[0].decorator)


def statement_code(statement: cst.SimpleStatementLine) -> str:
    """A statement's code, without the lines above it and its comment after it."""
    bare = statement.with_changes(leading_lines=[], trailing_whitespace=cst.TrailingWhitespace())
    return cst.Module([]).code_for_node(bare).rstrip("\n")


def script_code(module: cst.Module) -> set[str]:
    """The code of each statement and decorator of a script (what a port keeps as it is)."""
    found: set[str] = set()

    class Collect(cst.CSTVisitor):
        def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
            found.add(statement_code(node))

        def visit_Decorator(self, node: cst.Decorator) -> None:
            code = cst.Module([]).code_for_node(node.with_changes(leading_lines=[]))
            found.add(code.rstrip("\n"))

    module.visit(Collect())
    return found


def script_quote(module: cst.Module) -> str:
    """The quote a script writes its strings with most (double when it has none): the strings
    a port writes (a feed's keys, a checkpoint's name) take it."""
    counts = {"'": 0, '"': 0}

    class Count(cst.CSTVisitor):
        def visit_SimpleString(self, node: cst.SimpleString) -> None:
            counts[node.quote[0]] += 1

    module.visit(Count())
    return "'" if counts["'"] > counts['"'] else '"'


def lay_out(program: cst.Module, script: cst.Module) -> cst.Module:
    """``program`` with the statements it does not share with ``script`` laid out, and its
    top-level definitions set apart (``pep8_spaced``)."""
    return pep8_spaced(program).visit(Layout(script_code(script), program.default_indent))


#: The statements PEP 8 sets apart by two blank lines at the top level.
DEFINITIONS = (cst.FunctionDef, cst.ClassDef)


def pep8_spaced(module: cst.Module) -> cst.Module:
    """``module`` with two blank lines before and after each top-level function or class, as
    PEP 8 (and ``ruff format``) lays them out; the blank lines go above the comments that
    lead into a statement."""
    body = list(module.body)
    for i in range(1, len(body)):
        if isinstance(body[i], DEFINITIONS) or isinstance(body[i - 1], DEFINITIONS):
            lines = list(body[i].leading_lines)
            while lines and lines[0].comment is None:
                lines.pop(0)
            blank = [cst.EmptyLine(indent=False)] * 2
            body[i] = body[i].with_changes(leading_lines=[*blank, *lines])
    return module.with_changes(body=body)
