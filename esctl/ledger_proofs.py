"""`esctl digest`, `proof`, `verify-proof` and `public-key`: the verifiable ledger's commands,
and the digests `verify --all` compares the table with."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from botocore.exceptions import ClientError
from rich.console import Console

if TYPE_CHECKING:
    from eventcore.digest_audit import DigestedHeads
    from eventcore.digesting import Digester
    from eventcore.digests import Digest
    from eventcore.signatures import Verifier
    from hosting.host import Host

console = Console()
errors = Console(stderr=True)
DIGEST_READ_ERRORS = (ValueError, KeyError, TypeError, AttributeError, ClientError)


def digested_heads(
    pinned: Verifier | None = None,
) -> tuple[DigestedHeads | None, str | None]:
    """Every head the kept digests signed, and why the digests themselves fail (unsigned,
    unreadable, a link missing, written twice, hidden), or (None, None) where this stack keeps
    no digests. `pinned` checks the signatures instead of the key the stack names (an auditor's
    own copy of the public key: whoever runs the stack could repoint its alias)."""
    from eventcore.digest_audit import DigestedHeads
    from eventcore.digests import chain_problem
    from handlers import bootstrap

    aws = bootstrap.aws()
    if not aws.settings.digest_bucket or not aws.settings.digest_signing_key:
        return None, None
    try:
        digests = list(aws.digest_store().all())
    except DIGEST_READ_ERRORS as unreadable:
        return DigestedHeads(), f"a digest object cannot be read: {unreadable}"
    verifier = pinned or aws.digest_key().verifier
    return DigestedHeads.of(digests), chain_problem(digests, verifier)


@contextmanager
def _configured() -> Iterator[None]:
    """A stack that names no digest bucket or key: say which setting is missing, exit 2."""
    from handlers.aws_infrastructure import MissingSetting

    try:
        yield
    except MissingSetting as missing:
        errors.print(f"[red]{missing}[/red]")
        raise typer.Exit(2) from None


def register(app: typer.Typer, connect: Callable[[], Host], stream: Callable[..., str]) -> None:
    @app.command()
    def digest(
        all_streams: Annotated[
            bool,
            typer.Option(
                "--all",
                help="sign every stream's head (streams from before digests, or marks lost)",
            ),
        ] = False,
    ) -> None:
        """Sign the heads of the streams changed since the last digest, now."""
        from handlers.digester import digester

        host = connect()
        with _configured():
            made = _digest_every_stream(host, digester()) if all_streams else digester().run()
        if made is None:
            console.print("nothing changed since the last digest")
            return
        console.print(
            f"digest {made.sequence}: {len(made.heads)} stream heads, root {made.root[:16]}…"
        )

    _register_proofs(app, connect, stream)


def _digest_every_stream(host: Host, digester: Digester) -> Digest | None:
    """Digests over every stream in the table, counted as they are kept (one per 2,000
    streams); the last of them."""
    made, heads = 0, 0
    last: Digest | None = None
    with console.status("signing every stream's head…") as status:
        for last in digester.run_all(sorted(host.aggregates.store.stream_ids())):
            made, heads = made + 1, heads + len(last.heads)
            status.update(f"{made} digests, {heads} stream heads signed…")
    if made:
        console.print(f"{made} digests over {heads} streams")
    return last


def _register_proofs(
    app: typer.Typer, connect: Callable[[], Host], stream: Callable[..., str]
) -> None:
    @app.command()
    def proof(
        identifier: Annotated[str, typer.Argument(help="an id (e.g. an account id) or stream id")],
        version: Annotated[int, typer.Option(min=1, help="the version to prove")],
        output: Annotated[
            Path | None, typer.Option("--output", "-o", help="file to write (default: stdout)")
        ] = None,
        category: Annotated[str | None, typer.Option(help="the stream category")] = None,
    ) -> None:
        """Write a proof, checkable offline, that the commit holding VERSION is in a digest."""
        from eventcore.proofs import NoProof, make_proof
        from handlers import bootstrap

        host = connect()
        stream_id = stream(host, identifier, category)
        try:
            with _configured():
                store = bootstrap.aws().digest_store()
                made = make_proof(host.aggregates.store, store.all(), stream_id, version)
        except NoProof as missing:
            errors.print(f"[red]{missing}[/red]")
            raise typer.Exit(2) from None
        text = json.dumps(made, indent=2, ensure_ascii=False)
        if output is None:
            print(text)
        else:
            output.write_text(text + "\n")
            errors.print(f"wrote {output}: {stream_id} version {version}")

    @app.command(name="verify-proof")
    def verify_proof(
        file: Annotated[Path, typer.Argument(help="a proof written by esctl proof")],
        public_key: Annotated[
            Path, typer.Option(help="the digest key's public key (PEM, from esctl public-key)")
        ],
    ) -> None:
        """Check a proof offline, with the public key alone; exit 1 if it does not hold."""
        from adapters.signature_ecdsa import EcdsaVerifier
        from eventcore.proofs import load, proof_problem

        try:
            verifier = EcdsaVerifier.from_pem(public_key.read_bytes())
            document = load(file.read_text())
        except (OSError, ValueError) as unreadable:
            errors.print(f"[red]cannot read: {unreadable}[/red]")
            raise typer.Exit(2) from None
        problem = proof_problem(document, verifier)
        if problem is not None:
            errors.print(f"[red]INVALID[/red] {problem}")
            raise typer.Exit(1)
        console.print(
            f"[green]VALID[/green] {document['stream_id']} version {document['version']}"
            f" is in digest {document['digest']['sequence']} ({document['digest']['issued_at']})"
        )

    @app.command(name="public-key")
    def public_key() -> None:
        """Print the digest key's public key (PEM), for verify-proof."""
        from handlers import bootstrap

        connect()
        with _configured():
            checker = bootstrap.aws().digest_public_key()
        if checker is None:
            errors.print("[red]the digest key's public key cannot be read[/red]")
            raise typer.Exit(2)
        print(checker.pem(), end="")
