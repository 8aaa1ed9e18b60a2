"""Chinese plate numbers (机动车号牌), including 8-character new-energy plates (新能源号牌)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

PROVINCE_CHARS = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_L = "A-HJ-NP-Z"  # letters on plates: no I or O (they read as 1 and 0)
PLATE_RE = re.compile(
    rf"^[{PROVINCE_CHARS}][{_L}]("
    rf"[{_L}0-9]{{4}}[{_L}0-9挂学警]"  # ordinary plate, 7 characters (a trailer ends in 挂)
    rf"|[DF][{_L}0-9][0-9]{{4}}"  # new-energy small vehicle, 8 characters: 川AD12345
    rf"|[0-9]{{5}}[DF]"  # new-energy large vehicle (trucks, buses), 8 characters: 川A12345D
    r")$"
)


def normalize_plate(value: str) -> str:
    """Upper-case, without spaces, dots or the middle dot printed on plates (川A·12345 → 川A12345)."""
    return re.sub(r"[\s.·•\-]", "", value or "").upper()


def validate_plate(value: str) -> None:
    if value and not PLATE_RE.match(value):
        raise ValidationError(
            _("Enter a Chinese plate number, e.g. 川A12345 or the new-energy 川A12345D."), code="invalid_plate"
        )
