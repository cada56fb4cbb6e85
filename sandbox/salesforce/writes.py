"""Creates, updates and deletes with Salesforce's per-record outcomes.

sObject Collections, single-record calls and Bulk 2.0 ingest all write through here,
so a record fails the same way whichever API sent it: ``INVALID_FIELD`` for a field
the object lacks, ``INVALID_FIELD_FOR_INSERT_UPDATE`` for a read-only one,
``REQUIRED_FIELD_MISSING``, ``INVALID_CROSS_REFERENCE_KEY`` for a reference to nothing,
``INACTIVE_OWNER_OR_USER``, ``ENTITY_IS_DELETED``, ``DUPLICATE_VALUE`` for a second
CampaignMember of one person, and ``UNABLE_TO_LOCK_ROW`` drawn at the knob's rate.
Each outcome validates first and applies later, which is what ``allOrNone`` needs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sandbox.salesforce.derived import apply_derived, member_key
from sandbox.salesforce.ids import to18
from sandbox.salesforce.schema import ObjectDef
from sandbox.salesforce.state import SalesforceState
from sandbox.salesforce.store import Record, Table
from sandbox.salesforce.values import BadValue, coerce

ROLLED_BACK = (
    "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "Record rolled back because not all records were valid and the request was using"
    " AllOrNone header",
)


@dataclass
class Outcome:
    """One record's result; ``apply`` makes the change once every check has passed."""

    id: str | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    created: bool = False
    apply: Callable[[], None] | None = None

    @property
    def success(self) -> bool:
        return not self.errors

    def fail(self, code: str, message: str, fields: list[str] | None = None) -> Outcome:
        self.errors.append({"statusCode": code, "message": message, "fields": fields or []})
        return self

    def result(self) -> dict[str, Any]:
        """The SaveResult shape: ``{id, success, errors}``."""
        return {"id": self.id if self.success else None, "success": self.success,
                "errors": self.errors}  # fmt: skip


class Writer:
    """Validates and applies record writes against the org state."""

    def __init__(self, state: SalesforceState, user_id: str) -> None:
        self.state = state
        self.user_id = user_id
        self._pending: set[tuple[str, str]] = set()

    def run(self, steps: list[Callable[[], Outcome]], all_or_none: bool) -> list[Outcome]:
        """Validates each step in order; applies as it goes, or all at the end with allOrNone."""
        self._pending = set()
        outcomes: list[Outcome] = []
        for step in steps:
            outcome = step()
            if outcome.success and not all_or_none and outcome.apply:
                outcome.apply()
            outcomes.append(outcome)
        if all_or_none:
            if all(o.success for o in outcomes):
                for outcome in outcomes:
                    if outcome.apply:
                        outcome.apply()
            else:
                for outcome in outcomes:
                    if outcome.success:
                        outcome.fail(*ROLLED_BACK)
        return outcomes

    def create(self, object_name: str | None, values: Mapping[str, Any]) -> Outcome:
        outcome = Outcome()
        definition = self.state.schema.get(object_name or "")
        if definition is None:
            return outcome.fail("INVALID_TYPE", f"sObject type '{object_name}' is not supported.")
        if any(k.lower() == "id" for k in values):
            return outcome.fail("INVALID_FIELD", "cannot specify Id in an insert call", ["Id"])
        record = self._converted(definition, values, outcome, creating=True)
        if outcome.errors:
            return outcome
        for item in definition.fields.values():
            if item.name not in record and item.default is not None:
                record[item.name] = item.default
        if definition.field("OwnerId") and record.get("OwnerId") is None:
            record["OwnerId"] = self.user_id
        missing = [
            f.name for f in definition.fields.values() if f.required and record.get(f.name) is None
        ]
        if missing:
            message = f"Required fields are missing: [{', '.join(missing)}]"
            return outcome.fail("REQUIRED_FIELD_MISSING", message, missing)
        self._check_references(definition, record, outcome)
        if definition.name == "CampaignMember":
            self._check_member(record, outcome)
        if outcome.errors or self._locked(outcome, None):
            return outcome
        table = self.state.table(definition.name)
        record_id = table.minter.next()
        outcome.id, outcome.created = record_id, True
        outcome.apply = lambda: self._insert(table, record_id, record)
        return outcome

    def update(self, object_name: str | None, values: Mapping[str, Any]) -> Outcome:
        raw_id = next((str(v) for k, v in values.items() if k.lower() == "id"), "")
        outcome, found = self._existing(raw_id)
        if found is None:
            return outcome
        table, current = found
        definition = table.definition
        if object_name and object_name.lower() != definition.name.lower():
            return outcome.fail("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", ["Id"])
        changes = self._converted(
            definition,
            {k: v for k, v in values.items() if k.lower() != "id"},
            outcome,
            creating=False,
        )
        self._check_references(definition, changes, outcome)
        if outcome.errors or self._locked(outcome, current["Id"]):
            return outcome
        outcome.apply = lambda: self._save(table, current, changes)
        return outcome

    def delete(self, record_id: str) -> Outcome:
        outcome, found = self._existing(record_id)
        if found is None or self._locked(outcome, found[1]["Id"]):
            return outcome
        table, current = found
        outcome.apply = lambda: self._remove(table, current)
        return outcome

    # -- checks -------------------------------------------------------------------------------
    def _existing(self, raw_id: str) -> tuple[Outcome, tuple[Table, Record] | None]:
        outcome = Outcome(id=to18(raw_id))
        definition = self.state.schema.by_prefix(raw_id) if outcome.id else None
        if outcome.id is None or definition is None:
            outcome.fail("MALFORMED_ID", f"malformed id {raw_id}", ["Id"])
            return outcome, None
        table = self.state.table(definition.name)
        record = table.records.get(outcome.id)
        if record is None:
            outcome.fail("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", ["Id"])
            return outcome, None
        if record.get("IsDeleted"):
            outcome.fail("ENTITY_IS_DELETED", "entity is deleted", [])
            return outcome, None
        return outcome, (table, record)

    def _converted(
        self, definition: ObjectDef, values: Mapping[str, Any], outcome: Outcome, *, creating: bool
    ) -> Record:
        record: Record = {}
        for key, value in values.items():
            if key == "attributes":
                continue
            item = definition.field(key)
            if item is None:
                outcome.fail(
                    "INVALID_FIELD",
                    f"No such column '{key}' on sobject of type {definition.name}",
                    [key],
                )
                continue
            if not (item.createable if creating else item.updateable):
                outcome.fail(
                    "INVALID_FIELD_FOR_INSERT_UPDATE",
                    f"Unable to create/update fields: {item.name}. Please check the security"
                    " settings of this field and verify that it is read/write for your profile"
                    " or permission set.",
                    [item.name],
                )
                continue
            try:
                converted = coerce(item, value)
            except BadValue as exc:
                outcome.fail("INVALID_TYPE_ON_FIELD_IN_RECORD", f"{item.name}: {exc}", [item.name])
                continue
            if item.type == "reference" and converted:
                converted = to18(converted) or converted
            record[item.name] = converted
        return record

    def _check_references(self, definition: ObjectDef, record: Record, outcome: Outcome) -> None:
        for name, value in record.items():
            item = definition.field(name)
            if item is None or item.type != "reference" or not value or not item.reference_to:
                continue
            target = self.state.find(value)
            target_type = self.state.schema.by_prefix(value)
            allowed = {t.lower() for t in item.reference_to}
            if (
                target is None
                or target.get("IsDeleted")
                or target_type is None
                or (target_type.name.lower() not in allowed)
            ):
                message = f"{item.name}: id value of incorrect type: {value}"
                outcome.fail("INVALID_CROSS_REFERENCE_KEY", message, [item.name])
            elif item.name == "OwnerId" and target.get("IsActive") is False:
                kind = definition.name.lower()
                message = f"operation performed with inactive user [{value}] as owner of {kind}"
                outcome.fail("INACTIVE_OWNER_OR_USER", message, [])

    def _check_member(self, record: Record, outcome: Outcome) -> None:
        key = member_key(record)
        if key is None:
            outcome.fail(
                "REQUIRED_FIELD_MISSING", "Required fields are missing: [LeadId]", ["LeadId"]
            )
            return
        live = self.state.members.keys(self.state.table("CampaignMember"))
        if key in live or key in self._pending:
            outcome.fail("DUPLICATE_VALUE", "Already a campaign member.", [])
        else:
            self._pending.add(key)

    def _locked(self, outcome: Outcome, record_id: str | None) -> bool:
        rate = self.state.knobs.lock_row_rate
        if rate <= 0 or self.state.knobs.rng.random() >= rate:
            return False
        message = "unable to obtain exclusive access to this record"
        outcome.fail(
            "UNABLE_TO_LOCK_ROW", message + (f" or 1 records: {record_id}" if record_id else ""), []
        )
        return True

    # -- applying -----------------------------------------------------------------------------
    def _insert(self, table: Table, record_id: str, record: Record) -> None:
        now = self.state.now()
        record.update({"Id": record_id, "CreatedDate": now, "SystemModstamp": now,
                       "LastModifiedDate": now, "IsDeleted": False})  # fmt: skip
        apply_derived(table.definition.name, record, now)
        table.insert(record)
        if table.definition.name == "CampaignMember":
            self.state.members.add(table, record)

    def _save(self, table: Table, current: Record, changes: Record) -> None:
        now = self.state.now()
        current.update(changes)
        apply_derived(table.definition.name, current, now)
        table.restamp(current, now)

    def _remove(self, table: Table, current: Record) -> None:
        now = self.state.now()
        current["IsDeleted"] = True
        table.restamp(current, now)
        self.state.deleted_log[current["Id"]] = now
        if table.definition.name == "CampaignMember":
            self.state.members.discard(table, current)
