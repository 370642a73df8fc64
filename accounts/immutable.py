"""One guard for the records that never change once written, or once frozen:
the administration event log, finalised claims and their lines, published
payer policies."""

from typing import Any, ClassVar

from django.db import models


class Immutable(models.Model):
    """Refuses save() and delete() with the model's own words.

    By default the model is append-only: a stored row is never saved again and
    never deleted. A model whose rows freeze only in some state (a finalised
    claim, a published policy) says so by overriding `change_refusal` and
    `deletion_refusal`, which answer why the write is refused, or None.
    Refusals are TypeErrors, a mistake in the code, unless the model makes them
    ValidationErrors, a refusal a user can meet and be shown.
    """

    refusal_error: ClassVar[type[Exception]] = TypeError
    # What a refused change says; a refused deletion says `deletion_refused`
    # where the model words it differently.
    change_refused: ClassVar[str] = ""
    deletion_refused: ClassVar[str] = ""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if (refusal := self.change_refusal()) is not None:
            raise self.refusal_error(refusal)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if (refusal := self.deletion_refusal()) is not None:
            raise self.refusal_error(refusal)
        return super().delete(*args, **kwargs)

    def change_refusal(self) -> str | None:
        return None if self._state.adding else self.change_refused

    def deletion_refusal(self) -> str | None:
        return self.deletion_refused or self.change_refused


class ImmutableQuerySet[M: Immutable](models.QuerySet[M]):
    """A bulk update() or delete() would go past save() and delete(): both are
    refused outright, with the model's words."""

    def update(self, **kwargs: Any) -> int:
        raise self.model.refusal_error(self.model.change_refused)

    def delete(self) -> Any:
        model = self.model
        raise model.refusal_error(model.deletion_refused or model.change_refused)
