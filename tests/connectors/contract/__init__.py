"""The connector contract suite: what every connector promises through ``connectors/base.py``,
checked against an emulated platform over real sockets, once per *subject*.

A subject is one connector under test with its own emulated world. Each module of
``subjects/`` that defines ``SUBJECT`` adds one: ``SUBJECT`` is a zero-argument callable (a
class) that returns an unstarted subject. The suite's ``conftest.py`` finds them; every
contract test runs once per subject, on a world the test module starts for itself
(``start()`` once per module, ``stop()`` after it), so a module's writes never reach another's.

To add a connector, copy ``subjects/hubspot.py`` (a sink and a source) and answer, on the
emulator's side, what the contract tests ask (:class:`~.subject.Subject`):

``name``
    the id in test names (``test_x[salesforce]``).
``capabilities``
    the contract methods the connector offers, among :data:`~.subject.CAPABILITIES`
    (``read_records``, ``read_activities``, ``read_deals``, ``update_fields``,
    ``add_members``, ``remove_members``, ``find_tasks``, ``create_tasks``, ``check_setup``,
    ``apply_setup``). A test that needs one the subject lacks is skipped (never by the
    subject's name), and ``test_capabilities`` holds the declaration to the connector's
    methods: a method it has but does not declare fails, so nothing is skipped by mistake.
``rules``
    the rules the connector is built with (``check_setup(rules)`` gets them).
``text_field``
    a text field reengage owns and ``update_fields`` may write (after setup, when the
    subject has ``apply_setup``); ``""`` without ``update_fields``.
``empty_reads``
    the declared read methods for which the platform holds nothing (say ``read_deals`` of
    a platform without deals): their backfill must read nothing; ``frozenset()`` mostly.
``needs_setup``
    whether a fresh world lacks something ``apply_setup`` makes (``False``: the platform
    takes reengage's fields as they are, and setup must make nothing and write nothing).
``start()`` / ``stop()``
    start the emulated world (tens to a few hundred persons: every read stream of
    records must span at least two pages) and stop it.
``connector()``
    a fresh connector on the running world.
``served()``
    the requests the emulated platform has served so far (its own count).
``refuse_after(requests)`` / ``refuse_none()``
    the platform's daily budget ends after ``requests`` more requests (the connector then
    stops cleanly with a ``StopRun``, possibly sooner if its budget share says so); and
    lifted again.
``live_records(count)``
    ``count`` live records reengage may write to (of every record type the platform has,
    mixed).
``absent_record()``
    a well-formed reference to a record the platform does not hold (never was, or deleted).
``delete(ref)``
    deletes a record on the platform, through its API, as a user would.
``field_value(ref, field)``
    the value the platform holds for a record's field.

Sinks answer four more, each only asked when its capability is declared:
``members(list_name)`` (the record ids on reengage's list / campaign for that short
name, e.g. ``sunset``), ``tasks_with_key(key)`` (the platform ids of the live tasks carrying
that idempotency key), ``writes()`` (the write requests the platform has served: what an
``apply_setup`` of nothing missing must not add to) and ``setup_made()`` (a ``Counter`` of
what setup makes that the platform holds, e.g. ``contacts.reengage_status`` or
``campaign:Reengage: sunset``, each as often as it exists: nothing may be there twice).

A subject module may also define ``KNOWN_BUGS`` (test function name -> the connector bug it
shows): that test becomes a strict ``xfail`` for that subject, and must go once fixed.
"""
