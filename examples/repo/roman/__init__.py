"""Roman numerals: to_roman(int) -> str and from_roman(str) -> int."""

_NUMERALS = (
    (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"),
    (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
    (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
)


def to_roman(n):
    """Return the Roman numeral for 1 <= n <= 3999."""
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError("an int is required")
    if not 1 <= n <= 3999:
        raise ValueError("out of range (1..3999): %d" % n)
    out = []
    for value, letters in _NUMERALS:
        while n >= value:
            out.append(letters)
            n -= value
    return "".join(out)


def from_roman(text):
    """Return the integer for a canonical Roman numeral (upper case)."""
    if not isinstance(text, str) or not text:
        raise ValueError("a non-empty string is required")
    n, i = 0, 0
    for value, letters in _NUMERALS:
        while text.startswith(letters, i):
            n += value
            i += len(letters)
    if i != len(text) or to_roman(n) != text:
        raise ValueError("not a canonical Roman numeral: %r" % text)
    return n
