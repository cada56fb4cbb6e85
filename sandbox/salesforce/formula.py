"""Formula fields: computed when read, never stored, refused on write.

Salesforce computes a formula field each time a record is read; describe shows it
``calculated: true`` with its ``calculatedFormula``, ``createable`` and
``updateable`` false, and a create or update naming it answers
``INVALID_FIELD_FOR_INSERT_UPDATE`` (:mod:`.writes` refuses every field that is not
updateable). The sandbox evaluates one formula shape, the one ``reengage setup``
creates in formula mode: ``FLOOR(NOW() - <Date/Time field>)``, whole days since a
Date/Time (a Date/Time minus a Date/Time is a number of days with the time of day
as its fraction), ``NOW()`` being the org's clock. Any other formula is refused at
creation, so that no field silently reads blank; blank fields are blanks (a blank
Date/Time gives a blank result).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sandbox.salesforce.errors import ApiError, bad_request
from sandbox.salesforce.schema import ObjectDef

_DAYS_SINCE = re.compile(
    r"^\s*FLOOR\s*\(\s*NOW\s*\(\s*\)\s*-\s*([A-Za-z][A-Za-z0-9_]*)\s*\)\s*$", re.IGNORECASE
)
_DAY_SECONDS = 86_400


def _refused(message: str) -> ApiError:
    return bad_request("FIELD_INTEGRITY_EXCEPTION", message, ["Metadata"])


def compile_formula(
    text: str, owner: ObjectDef, now: Callable[[], datetime]
) -> Callable[[dict[str, Any]], Any]:
    """The function that computes ``text`` on a record of ``owner``.

    Raises:
        ApiError: 400 ``FIELD_INTEGRITY_EXCEPTION`` for a formula the sandbox does not
            evaluate, or one naming a field that is not a Date/Time of the object.
    """
    found = _DAYS_SINCE.match(text)
    if found is None:
        raise _refused(f"the sandbox evaluates only FLOOR(NOW() - <Date/Time field>), not {text}")
    source = owner.field(found.group(1))
    if source is None:
        raise _refused(f"Field {found.group(1)} does not exist. Check spelling.")
    if source.type != "datetime":
        raise _refused(f"Incorrect parameter type: {source.name} is {source.type}, not a Date/Time")
    name = source.name

    def days_since(record: dict[str, Any]) -> float | None:
        at = record.get(name)
        if not isinstance(at, datetime):
            return None
        return float(math.floor((now() - at).total_seconds() / _DAY_SECONDS))

    return days_since
