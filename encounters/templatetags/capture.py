import uuid
from decimal import Decimal

from django import template

register = template.Library()


@register.simple_tag
def new_key() -> str:
    """A fresh idempotency key for one button: a second tap of the same button
    sends the same key, so the server records the action once."""
    return str(uuid.uuid4())


@register.filter
def amount(value: Decimal | None) -> str:
    """170.0000 as 170 and 0.2500 as 0.25 (never 1.7E+2)."""
    if value is None:
        return ""
    return format(value.normalize(), "f")
