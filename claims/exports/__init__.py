"""Files made from finalised claims: CSV, FHIR R4 Claim resources and X12 837."""
