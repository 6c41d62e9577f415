import pytest
from django.core.exceptions import ValidationError

from xiangcun.accounts.services import user_create
from xiangcun.core.models import AuditEvent
from xiangcun.core.testing import make_station


@pytest.mark.django_db
def test_station_manager_takes_scope_from_the_station(county, superuser):
    station = make_station(county.villages.first(), actor=superuser)
    user = user_create(username="sm1", password="pw-Secret-123", role="station_manager", station=station)
    assert (user.county_id, user.township_id, user.station_id) == (county.pk, station.township_id, station.pk)
    assert user.check_password("pw-Secret-123")
    assert AuditEvent.objects.filter(action="user.create", object_id=str(user.pk)).exists()


@pytest.mark.django_db
def test_unknown_role_is_rejected(county):
    with pytest.raises(ValidationError) as exc:
        user_create(username="x", password="pw-Secret-123", role="mayor", county=county)
    assert "role" in exc.value.error_dict
