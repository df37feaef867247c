"""Dial-in numbers as printed in agendas, turned into `tel:` URIs phones can dial."""

import re
from urllib.parse import quote

NANP_DIGITS = 10  # (866) 528-2256: the North American numbering plan, country code 1


def e164(number: str) -> str:
    """ "(866) 528-2256" -> "+18665282256"; a number written with + keeps its country code."""
    digits = re.sub(r"\D", "", number)
    if number.strip().startswith("+"):
        return f"+{digits}"
    if len(digits) == NANP_DIGITS:
        return f"+1{digits}"
    if len(digits) == NANP_DIGITS + 1 and digits.startswith("1"):
        return f"+{digits}"
    return digits


def tel_uri(number: str, access_code: str = "") -> str:
    """A `tel:` URI that dials the number, pauses twice (",,"), then enters the code and "#"."""
    uri = f"tel:{e164(number)}"
    code = re.sub(r"\D", "", access_code or "")
    if code:
        uri += "," * 2 + quote(f"{code}#")
    return uri
