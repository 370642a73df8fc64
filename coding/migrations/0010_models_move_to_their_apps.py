from django.db import migrations


class Migration(migrations.Migration):
    """The reference tables, API tokens and claims now belong to the apps
    `reference`, `accounts` and `claims`, whose first migrations took them
    over with their rows; here they only leave this app's state."""

    dependencies = [
        ("coding", "0009_price_list"),
        ("accounts", "0001_initial"),
        ("reference", "0001_initial"),
        ("claims", "0001_initial"),
        ("encounters", "0005_drug_is_in_reference"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="ClaimLine"),
                migrations.DeleteModel(name="LinePointer"),
                migrations.DeleteModel(name="Override"),
                migrations.DeleteModel(name="Diagnosis"),
                migrations.DeleteModel(name="HistoricalCharge"),
                migrations.DeleteModel(name="Charge"),
                migrations.DeleteModel(name="Claim"),
                migrations.DeleteModel(name="ApiToken"),
                migrations.DeleteModel(name="NdcCode"),
                migrations.DeleteModel(name="AddOnEdit"),
                migrations.DeleteModel(name="NcciEdit"),
                migrations.DeleteModel(name="MueEdit"),
                migrations.DeleteModel(name="Drug"),
                migrations.DeleteModel(name="ReferenceEdition"),
            ],
        ),
    ]
