"""How error messages quote what a document said."""

from typing import Any


def quoted(value: Any) -> str:
    """`value` as Python writes it ('abc', 12, None), for an error message.

    Python writes no integer of more than 4,300 digits as text (it raises
    instead): such a number is named rather than written."""
    try:
        return repr(value)
    except ValueError:
        return "a number too long to write"
