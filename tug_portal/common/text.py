"""Text that goes into calendars and mail headers: control characters never pass."""

import re

# Unicode's control characters (category Cc) but tab and line feed: they break some clients.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_text(value: str, *, single_line: bool = False) -> str:
    """Text without control characters; line breaks are kept unless `single_line`, which
    folds every run of white space into one space."""
    value = (value or "").replace("\r\n", "\n").replace("\r", "\n")
    kept = CONTROL_CHARACTERS.sub("", value)
    if single_line:
        return " ".join(kept.split())
    return re.sub(r"\n{3,}", "\n\n", kept).strip()
