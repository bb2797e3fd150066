"""textwrap for the sandbox: wrap, fill, shorten, dedent and indent with CPython's line breaking.

Words are split by a hand-written scanner that follows the rules of CPython's word-separator
expression (the sandbox's regular expression engine has no lookbehind).
"""

_WHITESPACE = "\t\n\x0b\x0c\r "
_WORD_PUNCT = "!\"'&.,?"
_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


def _is_word(c):
    if c < "\x80":
        return c.isalpha() or c.isdigit() or c == "_"
    # MicroPython's str methods know only ASCII: other characters are classed by CPython's tables.
    import _unicode_tables

    return _unicode_tables.is_word(c)


def _is_letter(c):
    if c < "\x80":
        return c.isalpha() or c == "_"
    import _unicode_tables

    return _unicode_tables.is_letter(c)


def _expand_tabs(text, tabsize):
    if "\t" not in text:
        return text
    out = []
    column = 0
    for c in text:
        if c == "\t":
            if tabsize > 0:
                spaces = tabsize - column % tabsize
                out.append(" " * spaces)
                column += spaces
        else:
            out.append(c)
            column = 0 if c in "\n\r" else column + 1
    return "".join(out)


def _hyphenated_end(text, j):
    """Whether a word may end with the hyphen at text[j]: letters before it, a letter pair after it."""
    before = (j >= 2 and _is_letter(text[j - 2]) and _is_letter(text[j - 1])) or (
        j >= 3 and _is_letter(text[j - 3]) and text[j - 2] == "-" and _is_letter(text[j - 1])
    )
    if not before:
        return False
    first, second, third = text[j + 1 : j + 2], text[j + 2 : j + 3], text[j + 3 : j + 4]
    return (
        first != ""
        and _is_letter(first)
        and ((second != "" and _is_letter(second)) or (second == "-" and third != "" and _is_letter(third)))
    )


def _em_dash_at(text, j):
    """Whether text[j:] starts with two or more hyphens followed by a word character."""
    end = j
    while end < len(text) and text[end] == "-":
        end += 1
    return end - j >= 2 and end < len(text) and _is_word(text[end]), end


def _split_on_hyphens(text):
    chunks = []
    at = 0
    length = len(text)
    while at < length:
        c = text[at]
        if c in _WHITESPACE:
            end = at + 1
            while end < length and text[end] in _WHITESPACE:
                end += 1
        elif (
            c == "-" and at > 0 and (_is_word(text[at - 1]) or text[at - 1] in _WORD_PUNCT) and _em_dash_at(text, at)[0]
        ):
            end = _em_dash_at(text, at)[1]
        else:
            end = at + 1
            while True:
                if end >= length or text[end] in _WHITESPACE:
                    break
                if text[end] == "-" and _hyphenated_end(text, end):
                    end += 1
                    break
                previous = text[end - 1]
                if (_is_word(previous) or previous in _WORD_PUNCT) and _em_dash_at(text, end)[0]:
                    break
                end += 1
        chunks.append(text[at:end])
        at = end
    return chunks


def _split_on_whitespace(text):
    chunks = []
    at = 0
    length = len(text)
    while at < length:
        space = text[at] in _WHITESPACE
        end = at + 1
        while end < length and (text[end] in _WHITESPACE) == space:
            end += 1
        chunks.append(text[at:end])
        at = end
    return chunks


def _ends_sentence(chunk):
    """A lowercase letter, then . ! or ?, then an optional quote, at the end of the chunk."""
    if chunk[-1:] in ('"', "'"):
        chunk = chunk[:-1]
    return len(chunk) >= 2 and chunk[-1] in ".!?" and "a" <= chunk[-2] <= "z"


class TextWrapper:
    """Wraps paragraphs to a width, with CPython's options."""

    def __init__(
        self,
        width=70,
        initial_indent="",
        subsequent_indent="",
        expand_tabs=True,
        replace_whitespace=True,
        fix_sentence_endings=False,
        break_long_words=True,
        drop_whitespace=True,
        break_on_hyphens=True,
        tabsize=8,
        *,
        max_lines=None,
        placeholder=" [...]",
    ):
        self.width = width
        self.initial_indent = initial_indent
        self.subsequent_indent = subsequent_indent
        self.expand_tabs = expand_tabs
        self.replace_whitespace = replace_whitespace
        self.fix_sentence_endings = fix_sentence_endings
        self.break_long_words = break_long_words
        self.drop_whitespace = drop_whitespace
        self.break_on_hyphens = break_on_hyphens
        self.tabsize = tabsize
        self.max_lines = max_lines
        self.placeholder = placeholder

    def _munge_whitespace(self, text):
        if self.expand_tabs:
            text = _expand_tabs(text, self.tabsize)
        if self.replace_whitespace:
            for c in "\t\n\x0b\x0c\r":
                if c in text:
                    text = text.replace(c, " ")
        return text

    def _split_chunks(self, text):
        text = self._munge_whitespace(text)
        chunks = _split_on_hyphens(text) if self.break_on_hyphens else _split_on_whitespace(text)
        if self.fix_sentence_endings:
            for i in range(len(chunks) - 1):
                if chunks[i + 1] == " " and _ends_sentence(chunks[i]):
                    chunks[i + 1] = "  "
        return chunks

    def _break_long_word(self, pending, line, line_length, width):
        space_left = 1 if width < 1 else width - line_length
        if self.break_long_words:
            chunk = pending[-1]
            end = space_left
            if self.break_on_hyphens and len(chunk) > space_left:
                hyphen = chunk.rfind("-", 0, space_left)
                if hyphen > 0 and any(c != "-" for c in chunk[:hyphen]):
                    end = hyphen + 1
            line.append(chunk[:end])
            pending[-1] = chunk[end:]
        elif not line:
            line.append(pending.pop())

    def _wrap_chunks(self, chunks):
        if self.width <= 0:
            raise ValueError("invalid width %r (must be > 0)" % self.width)
        if self.max_lines is not None:
            indent = self.subsequent_indent if self.max_lines > 1 else self.initial_indent
            if len(indent) + len(self.placeholder.lstrip()) > self.width:
                raise ValueError("placeholder too large for max width")
        lines = []
        pending = chunks[:]
        pending.reverse()
        while pending:
            indent = self.subsequent_indent if lines else self.initial_indent
            width = self.width - len(indent)
            if self.drop_whitespace and lines and pending[-1].strip() == "":
                pending.pop()
            line = []
            line_length = 0
            while pending and line_length + len(pending[-1]) <= width:
                line_length += len(pending[-1])
                line.append(pending.pop())
            if pending and len(pending[-1]) > width:
                self._break_long_word(pending, line, line_length, width)
                line_length = sum(len(part) for part in line)
            if self.drop_whitespace and line and line[-1].strip() == "":
                line_length -= len(line[-1])
                line.pop()
            if not line:
                continue
            last_allowed = (
                self.max_lines is None
                or len(lines) + 1 < self.max_lines
                or (
                    (not pending or (self.drop_whitespace and len(pending) == 1 and not pending[0].strip()))
                    and line_length <= width
                )
            )
            if last_allowed:
                lines.append(indent + "".join(line))
                continue
            while line:
                if line[-1].strip() and line_length + len(self.placeholder) <= width:
                    line.append(self.placeholder)
                    lines.append(indent + "".join(line))
                    return lines
                line_length -= len(line[-1])
                line.pop()
            if lines:
                previous = lines[-1].rstrip()
                if len(previous) + len(self.placeholder) <= self.width:
                    lines[-1] = previous + self.placeholder
                    return lines
            lines.append(indent + self.placeholder.lstrip())
            return lines
        return lines

    def wrap(self, text):
        return self._wrap_chunks(self._split_chunks(text))

    def fill(self, text):
        return "\n".join(self.wrap(text))


def wrap(text, width=70, **kwargs):
    return TextWrapper(width=width, **kwargs).wrap(text)


def fill(text, width=70, **kwargs):
    return TextWrapper(width=width, **kwargs).fill(text)


def shorten(text, width, **kwargs):
    wrapper = TextWrapper(width=width, max_lines=1, **kwargs)
    return wrapper.fill(" ".join(text.strip().split()))


def dedent(text):
    """Remove the whitespace prefix common to every line that has other characters."""
    lines = text.split("\n")
    margin = None
    for i in range(len(lines)):
        line = lines[i]
        stripped = line.lstrip(" \t")
        if not stripped:
            lines[i] = ""
            continue
        indent = line[: len(line) - len(stripped)]
        if margin is None or margin.startswith(indent):
            margin = indent
        elif not indent.startswith(margin):
            common = 0
            while common < len(margin) and common < len(indent) and margin[common] == indent[common]:
                common += 1
            margin = margin[:common]
    if margin:
        cut = len(margin)
        lines = [line[cut:] if line.startswith(margin) else line for line in lines]
    return "\n".join(lines)


def _lines_with_ends(text):
    lines = []
    start = 0
    at = 0
    length = len(text)
    while at < length:
        c = text[at]
        at += 1
        if c in _LINE_BREAKS:
            if c == "\r" and at < length and text[at] == "\n":
                at += 1
            lines.append(text[start:at])
            start = at
    if start < length:
        lines.append(text[start:])
    return lines


def indent(text, prefix, predicate=None):
    """Add prefix to each line for which predicate is true (by default, lines that are not blank)."""
    return "".join(
        prefix + line if (predicate(line) if predicate is not None else line.strip()) else line
        for line in _lines_with_ends(text)
    )
