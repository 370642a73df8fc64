from django.db import migrations


def forget_editions(apps, schema_editor):
    # The rows were one edition per table with no dates of their own; the
    # dated editions are reloaded by `manage.py load_reference_data`, and
    # until then the engine's shipped editions apply.
    apps.get_model("reference", "ReferenceEdition").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("reference", "0002_tables_renamed")]

    operations = [
        migrations.DeleteModel(name="MueEdit"),
        migrations.DeleteModel(name="NcciEdit"),
        migrations.DeleteModel(name="AddOnEdit"),
        migrations.DeleteModel(name="NdcCode"),
        migrations.RunPython(forget_editions, migrations.RunPython.noop),
    ]
