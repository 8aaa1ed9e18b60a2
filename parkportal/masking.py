"""Masks for personal data shown in lists and exports (PIPL: show only what the page needs)."""


def mask_phone(value: str | None) -> str:
    """13812341234 -> 138****1234"""
    if not value:
        return ""
    value = str(value)
    if len(value) < 7:
        return "****"
    return f"{value[:3]}****{value[-4:]}"


def mask_id_number(value: str | None) -> str:
    """Only the last four characters of an ID number."""
    if not value:
        return ""
    return "*" * max(len(value) - 4, 4) + str(value)[-4:]


def mask_plate(value: str | None) -> str:
    """川A12345 -> 川A***45"""
    if not value:
        return ""
    value = str(value)
    if len(value) <= 4:
        return value[:1] + "***"
    return value[:2] + "*" * (len(value) - 4) + value[-2:]
