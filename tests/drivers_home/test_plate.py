import pytest
from django.core.exceptions import ValidationError

from drivers_home.validators import normalize_plate, validate_plate


@pytest.mark.parametrize(
    "plate",
    [
        "川A12345",  # ordinary
        "川AB1234",
        "京N7K8P9",
        "湘B7K123",
        "川A1234挂",  # trailer
        "川A12345D",  # new-energy large vehicle (trucks): 5 digits + D/F
        "粤B12345F",
        "川AD12345",  # new-energy small vehicle: D/F + 5
        "沪AFA1234",
    ],
)
def test_good_plates(plate):
    validate_plate(plate)


@pytest.mark.parametrize(
    "plate",
    [
        "川A1234",  # too short
        "川A123456",  # 8 chars but not new-energy
        "AA12345",  # no province
        "川I12345",  # I is never used
        "川AO1234" + "5",  # 8 chars, O in position 3
        "川A12345X",  # new-energy must end in D or F
        "川AX12345",  # new-energy small must start with D or F
        "川A1234 5",
        "<script>",
        "川A12345D12",
        "火A12345",
    ],
)
def test_bad_plates(plate):
    with pytest.raises(ValidationError):
        validate_plate(plate)


def test_plates_are_normalised():
    assert normalize_plate(" 川a·12345d ") == "川A12345D"
    assert normalize_plate("川A 123.45") == "川A12345"
