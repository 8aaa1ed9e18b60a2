import pytest
from django.core.exceptions import ValidationError

from parkportal.forms import BoundedModelMultipleChoiceField
from parkportal.models import Park


@pytest.mark.django_db
@pytest.mark.parametrize("pk", [str(2**63), str(-(2**63) - 1), "9" * 40])
def test_out_of_range_ids_are_a_field_error_not_a_database_error(pk):
    park = Park.objects.create(name="园区")
    field = BoundedModelMultipleChoiceField(queryset=Park.objects.all())
    with pytest.raises(ValidationError) as error:
        field.clean([str(park.pk), pk])
    assert error.value.code == "invalid_pk_value"


@pytest.mark.django_db
def test_ids_in_range_are_chosen():
    park = Park.objects.create(name="园区")
    field = BoundedModelMultipleChoiceField(queryset=Park.objects.all())
    assert list(field.clean([str(park.pk)])) == [park]
