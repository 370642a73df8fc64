from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User

from encounters.clock import clock
from encounters.models import Encounter, IVSite, Location
from reference.models import Drug
from tests.encounters import world


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    yield
    clock.reset()


@pytest.fixture
def place(nurse: User) -> Location:
    return world.location(nurse)


@pytest.fixture
def visit(place: Location) -> Encounter:
    return world.encounter(place)


@pytest.fixture
def drugs(db: None) -> dict[str, Drug]:
    # FOLFOX, an antiemetic, fluid, a biologic, and a code nobody reviewed.
    return world.formulary(
        "J9263", "J0640", "J9190", "J2405", "J7050", "J1745", "J2357", "J3490"
    )


@pytest.fixture
def port(visit: Encounter, nurse: User) -> IVSite:
    return world.site(visit, nurse, "port")
