"""`sohoa audit`: the append-only, hash-chained, sealed audit log. ``verify`` and ``pdf`` exit 1 when broken."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from sohoa.cli.common import AsJson, print_json, service
from sohoa.terminal import plain, shown

audit_app = typer.Typer(help="The append-only, hash-chained audit log.")


@audit_app.command("verify")
def audit_verify(as_json: AsJson = False) -> None:
    """Recompute the hash chain, check every seal's signature and hash, and the digests in the payloads.

    Exit 0 if intact, 1 if broken (with the first bad entry and what is wrong)."""
    with service() as svc:
        verdict = svc.audit_verify()
    if as_json:
        print_json(verdict.to_dict())
        raise typer.Exit(0 if verdict.ok else 1)
    chain = verdict.chain
    if verdict.ok:
        sys.stdout.write(plain(f"audit log intact: {chain.entries} entries, last hash {chain.last_hash}") + "\n")
    else:
        seq, problem = verdict.first_problem()
        sys.stdout.write(plain(f"audit log BROKEN at entry {seq}: {problem}") + "\n")
        for more in verdict.problems[1:] if chain.ok else verdict.problems:
            sys.stdout.write(plain(f"  also at entry {more['seq']}: {more['problem']}") + "\n")
    if verdict.seals:
        who = ", ".join(verdict.signers) or "none valid"
        trust = f" ({', '.join(verdict.trust)})" if verdict.trust else ""
        sys.stdout.write(
            plain(
                f"seals: {verdict.valid_seals} of {verdict.seals} valid, by {who}{trust}; "
                f"last sealed entry {verdict.last_sealed_seq}"
            )
            + "\n"
        )
    else:
        sys.stdout.write("seals: none yet (sohoa audit seal takes one)\n")
    tail = verdict.unsealed_tail
    after = f" ({verdict.last_sealed_seq + 1} to {chain.last_seq})" if tail else ""
    sys.stdout.write(plain(f"unsealed tail: {tail} entries{after}") + "\n")
    if verdict.digests_checked or verdict.digests_skipped:
        skipped = f", {verdict.digests_skipped} skipped (another or no key)" if verdict.digests_skipped else ""
        sys.stdout.write(plain(f"value digests: {verdict.digests_checked} checked{skipped}") + "\n")
    raise typer.Exit(0 if verdict.ok else 1)


@audit_app.command("seal")
def audit_seal(as_json: AsJson = False) -> None:
    """Sign the head of the log (entry number, hash, time, agency) with the agency key, now.

    Seals are also taken automatically (SOHOA_AUDIT_SEAL_EVERY entries, SOHOA_AUDIT_SEAL_INTERVAL_S seconds).
    Exit 1 when the entries since the last seal are broken (nothing is sealed) or the key cannot sign."""
    with service() as svc:
        done = svc.audit_seal()
    if as_json:
        print_json(done.to_dict())
        return
    if done.seal is None:
        sys.stdout.write("audit log empty: nothing to seal\n")
        return
    seal = done.seal
    what = "sealed" if done.created else "already sealed"
    dev = " (development key: no legal value)" if seal.development else ""
    tsa = ", timestamped" if seal.timestamped else ""
    sys.stdout.write(plain(f"audit log {what} at entry {seal.seq} ({seal.hash}) by {seal.signer}{dev}{tsa}") + "\n")


@audit_app.command("pdf")
def audit_pdf(
    file: Annotated[Path, typer.Argument(help="A published result PDF (with its embedded approved fields).")],
    as_json: AsJson = False,
) -> None:
    """Tie a published PDF to the log: the keyed digest of its embedded fields must be the one a
    result.published entry recorded. Exit 0 when it is, 1 when not, 2 when the file has no embedded fields."""
    with service() as svc:
        tie = svc.audit_pdf(file)
    if as_json:
        print_json(tie.to_dict())
    elif tie.digest is None:
        sys.stdout.write(plain(f"{tie.result}: cannot check, no audit key (SOHOA_AUDIT_KEY_FILE)") + "\n")
    elif tie.ok:
        entries = ", ".join(map(str, tie.entries))
        sys.stdout.write(plain(f"{tie.result}: embedded fields are those published at entry {entries}") + "\n")
    else:
        sys.stdout.write(plain(f"{tie.result}: embedded fields match no result.published entry of the log") + "\n")
    raise typer.Exit(0 if tie.ok else 1)


@audit_app.command("log")
def audit_log(
    subject: Annotated[str | None, typer.Option(help="Only entries about this dossier or result code.")] = None,
    after: Annotated[int, typer.Option(help="Only entries after this number.")] = 0,
    limit: Annotated[int, typer.Option(help="At most this many entries.")] = 100,
    as_json: AsJson = False,
) -> None:
    """Audit entries in order: number, time, who, what, about which code."""
    with service() as svc:
        entries = svc.audit_log(subject=subject, after=after, limit=limit)
    if as_json:
        print_json([e.to_dict() for e in entries])
        return
    con = Console(soft_wrap=True)
    for e in entries:
        payload = json.dumps(e.payload, ensure_ascii=False, sort_keys=True) if e.payload else ""
        con.print(shown(f"{e.seq:>6} {e.to_dict()['at']} {e.actor} {e.action} {e.subject} {payload}"))
