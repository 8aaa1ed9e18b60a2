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


def test_form_labels_end_in_a_full_width_colon_on_chinese_pages():
    """Django's label suffix is gettext(":"), an ASCII colon in Django's Chinese catalogue; ours says "："."""
    from django import forms as django_forms
    from django.utils import translation

    class Plate(django_forms.Form):
        plate = django_forms.CharField(label="车牌号")

    with translation.override("zh-hans"):
        assert Plate()["plate"].label_tag() == '<label for="id_plate">车牌号：</label>'
    with translation.override("en"):
        assert Plate()["plate"].label_tag() == '<label for="id_plate">车牌号:</label>'
