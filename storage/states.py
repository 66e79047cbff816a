"""The vocabularies of dossier and stage states, kept as data so rules change in one place."""

from __future__ import annotations

from typing import Literal, get_args

DossierState = Literal["received", "processing", "needs_review", "approved", "published", "failed", "rejected"]
StageState = Literal["running", "done", "failed"]

DOSSIER_STATES: tuple[DossierState, ...] = get_args(DossierState)
STAGE_STATES: tuple[StageState, ...] = get_args(StageState)

# Where a dossier may go next. Staying in the same state is always allowed (a re-run repeats its
# writes). A reviewer may reject a dossier waiting for review or approved but not yet published
# (``workers.review.reject``). ``failed`` is resumable from wherever it failed; ``rejected`` may be re-processed when a
# limit changes; ``published`` is final until versioned corrections arrive.
TRANSITIONS: dict[DossierState, frozenset[DossierState]] = {
    "received": frozenset({"processing", "failed", "rejected"}),
    "processing": frozenset({"needs_review", "approved", "failed", "rejected"}),
    "needs_review": frozenset({"approved", "processing", "failed", "rejected"}),
    "approved": frozenset({"published", "needs_review", "failed", "rejected"}),
    "published": frozenset(),
    "failed": frozenset({"processing", "needs_review", "approved", "published", "rejected"}),
    "rejected": frozenset({"processing"}),
}


# The lifecycle works on a dossier in these states; it is done with one in the finished states.
ACTIVE_STATES: frozenset[DossierState] = frozenset({"received", "processing"})
FINISHED_STATES: frozenset[DossierState] = frozenset({"needs_review", "approved", "published"})
# Processing may (re)start from these; a dossier in these waits for its results to be settled.
STARTABLE_STATES: frozenset[DossierState] = frozenset({"received", "failed"})
SETTLING_STATES: frozenset[DossierState] = frozenset({"processing", "needs_review"})
# Reviewers may correct a dossier's fields in these; its results count as approved in these.
REVIEWABLE_STATES: frozenset[DossierState] = frozenset({"needs_review", "approved"})
APPROVED_STATES: frozenset[DossierState] = frozenset({"approved", "published"})
# A dossier in these carries the reason it stopped.
STOPPED_STATES: frozenset[DossierState] = frozenset({"failed", "rejected"})


def can_move(current: DossierState, new: DossierState) -> bool:
    """Whether ``current`` → ``new`` is a transition the lifecycle may make."""
    return new == current or new in TRANSITIONS[current]
