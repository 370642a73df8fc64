"""encounters 0006: every patient's name split into legal first and last
names on its last space; a name of one word is kept as the last name and
listed for review."""

from datetime import date

import pytest

from tests.migrating import migrator


@pytest.mark.django_db(transaction=True)
def test_names_are_split_on_their_last_space(capsys: pytest.CaptureFixture[str]):
    with migrator() as migrate:
        before = migrate.to("encounters", "0005_drug_is_in_reference")
        patients = before.get_model("encounters", "Patient").objects
        born = date(1960, 1, 1)
        made = {
            name: patients.create(mrn=f"M{n}", name=name, date_of_birth=born).pk
            for n, name in enumerate(
                ["Mary Ann Smith", "Cher", "José  García", "Prince", "Ada Lovelace"]
            )
        }
        capsys.readouterr()

        after = migrate.to("encounters", "0006_patient_registration")
        migrated = after.get_model("encounters", "Patient").objects
        split = {
            p.name: (p.first_name, p.middle_name, p.last_name, p.sex)
            for p in migrated.all()
        }
        assert split == {
            "Mary Ann Smith": ("Mary Ann", "", "Smith", "U"),
            "Cher": ("", "", "Cher", "U"),
            "José  García": ("José", "", "García", "U"),
            "Prince": ("", "", "Prince", "U"),
            "Ada Lovelace": ("Ada", "", "Lovelace", "U"),
        }
        out = capsys.readouterr().out
        assert "2 patient name(s) could not be split" in out
        listed = [line.strip() for line in out.splitlines() if "(MRN" in line]
        assert listed == [
            f"patient {made['Cher']}: 'Cher' (MRN M1)",
            f"patient {made['Prince']}: 'Prince' (MRN M3)",
        ]
