"""``reengage sandbox serve``: the emulated HubSpot and Salesforce on their own.

Prints the URLs and the ``REENGAGE_*`` variables that point a configuration at
them, then serves until Ctrl-C. The credentials shown are the sandbox's own
throw-away ones, made for this process: printing them is the point.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.panel import Panel

from connectors.base import load_sandbox
from sync.console import console_for

sandbox_app = typer.Typer(
    help="Run the built-in HubSpot + Salesforce emulators.", no_args_is_help=True
)
console = console_for()


def _describe(box: Any) -> str:
    env = box.environment()
    return "\n".join(
        [
            f"HubSpot     {env['REENGAGE_HUBSPOT__BASE_URL']}",
            f"Salesforce  {env['REENGAGE_SALESFORCE__INSTANCE_URL']}  (TLS, throw-away CA)",
        ]
    )


@sandbox_app.command("serve")
def serve(
    persons: Annotated[
        int, typer.Option(min=100, max=1_000_000, help="Persons in the world.")
    ] = 5000,
    seed: Annotated[int, typer.Option(help="The generator's seed (same seed, same world).")] = 7,
    stranger: Annotated[
        int | None,
        typer.Option(
            help="Stranger mode: ids, key and row order and page sizes drawn from this seed."
        ),
    ] = None,
) -> None:
    """Generate a world, serve both emulators on 127.0.0.1 and wait for Ctrl-C."""
    started = time.monotonic()
    # a sandbox plugin without stranger mode is only asked for it when one is wanted
    extra = {} if stranger is None else {"stranger": stranger}
    try:
        factory = load_sandbox()
    except LookupError as exc:
        console_for(stderr=True).print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
        raise typer.Exit(2) from None
    with console.status(f"generating {persons:,} persons and starting the emulators..."):
        box = factory(persons=persons, seed=seed, **extra).start()
    try:
        took = time.monotonic() - started
        console.print(Panel(_describe(box), title=f"reengage sandbox (ready in {took:.1f}s)"))
        console.print("Point reengage at it with:")
        for key, value in box.environment().items():
            console.print(f"export {key}={value}", soft_wrap=True, highlight=False)
        console.print("serving; press Ctrl-C to stop", style="dim")
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
    finally:
        box.stop()
        console.print("sandbox stopped")
