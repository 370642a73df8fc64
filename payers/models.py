from django.db import models


class Payer(models.Model):
    """A health plan that receives claims; its coding choices live in policy
    versions."""

    class Kind(models.TextChoices):
        MEDICARE = "medicare", "Medicare"
        MEDICAID = "medicaid", "Medicaid"
        COMMERCIAL = "commercial", "Commercial"
        OTHER = "other", "Other"

    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=20, choices=Kind)
    # Claim settings: the identifier the payer is known by in X12 (NM109 of
    # loop 2010BB) and FHIR exports.
    payer_id = models.CharField("payer ID", max_length=80, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
