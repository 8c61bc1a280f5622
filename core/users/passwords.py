"""Password policy (OWASP ASVS 2.1): long enough, not one of the most common passwords, not an
obvious pattern, not the username.

``data/common-passwords.txt.gz`` holds the 10,000 most common passwords, most common first:
the first 10,000 entries of the ``passwords`` frequency list shipped by the zxcvbn package
(4.5.0, MIT licence), regenerated with::

    python -c "from zxcvbn.frequency_lists import FREQUENCY_LISTS as F; print('\\n'.join(F['passwords'][:10000]))"

Nothing is fetched from the network at run time.
"""
from __future__ import annotations

import gzip
import re
from functools import lru_cache
from pathlib import Path

from flask_babel import gettext as _

LIST_PATH = Path(__file__).resolve().parent / "data" / "common-passwords.txt.gz"
KEYBOARD_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm", "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    with gzip.open(LIST_PATH, "rt", encoding="utf-8") as fh:
        return frozenset(line.strip().lower() for line in fh if line.strip() and not line.startswith("#"))


def _is_run(text: str) -> bool:
    """A keyboard walk or an alphabet/digit sequence, forwards or backwards (``12345678``, ``qwertyui``)."""
    for row in KEYBOARD_ROWS + ("abcdefghijklmnopqrstuvwxyz", "01234567890"):
        for seq in (row, row[::-1]):
            if text in seq * 3:
                return True
    return False


def weakness(password: str, username: str = "") -> str | None:
    """Why ``password`` is too weak (a short sentence), or None."""
    lowered = password.lower()
    if lowered in common_passwords():
        return _("this password is one of the most commonly used passwords")
    name = (username or "").strip().lower()
    if name and (lowered == name or (len(name) >= 4 and name in lowered)):
        return _("the password must not contain the username")
    core = re.sub(r"[\W_]+$", "", re.sub(r"^[\W_]+", "", lowered))
    stripped = re.sub(r"(19|20)\d\d$", "", core) or core  # "password2026"
    for candidate in {lowered, core, stripped}:
        if len(set(candidate)) <= 2:
            return _("the password repeats the same characters")
        if _is_run(candidate):
            return _("the password is a keyboard or alphabet sequence")
        if candidate in common_passwords():
            return _("this password is a common password with a few characters added")
    return None
