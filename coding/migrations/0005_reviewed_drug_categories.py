from typing import Any

from django.db import migrations


def apply(apps: Any, schema_editor: Any) -> None:
    from reference.formulary import apply_categories

    apply_categories(apps.get_model("coding", "Drug"))


class Migration(migrations.Migration):
    dependencies = [("coding", "0004_derivation_links")]

    operations = [migrations.RunPython(apply, migrations.RunPython.noop)]
