"""One rating session, without a screen: pairs in, decisions to the journal, counters out.

The Textual app only turns keys into calls on `Session` and draws what it reports, so the
rules that matter for the data (every decision on disk before the next pair appears; broken
pairs auto-rated and never shown; undo takes back exactly the last decision; resume skips
decided pairs) live here and are tested without a terminal.

Judging runs beside the person (`rater.rating.judging`: each sample's reading, no audio),
and so does the making of the clips about to be played (`rater.rating.clips`): `advance`
never waits for either, it says WAITING and the caller asks again when another sample is
judged or clip made (`events.watch`). A pair is shown once both clips are made; a clip that
turns out silent is a late verdict, and its pair is auto-rated like any with a broken sample.
The pairing strategy's idle work (features, refits, the next batch) is a job the caller runs
off its own thread (`idle_job` / `finish_job`); until it is in, pairs come from the last fit.

Undo (`rating.undo`) takes back the last decision a *person* made, together with the
auto-ratings written after it (they are redone when their pairs come up again), so `u`
never just re-creates an automatic record. Skips write nothing: a skipped pair comes back
in the next session.

"Stop and auto-rate the rest" is `rater.rating.autorate.autorate_rest`, which uses the
public methods below (`pending`, `exclude`, `verdict_of`, `end_with_auto`).

Other processes may write the journal too (`rater autorate`, other raters; the same rater
twice is refused by `rating.session_lock`): before it auto-rates or shows a pair the session
reads what they appended (`Journal.news`), so a pair decided elsewhere is skipped, and an
automatic record is written only if its pair is undecided under the journal's lock.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from rater.core.errors import JournalError, RaterError, SettingsError
from rater.core.records import Judged, Pair, Rating, Sample
from rater.core.rules import broken_ids, pairing_fields
from rater.core.settings import RateSettings
from rater.rating import outcome, pairing
from rater.rating.clips import Clips, Maker
from rater.rating.events import Events, SessionJudging
from rater.rating.journal import Journal
from rater.rating.judging import JudgeFn, Judging, pair_order
from rater.rating.pairing.base import Job, PairSource
from rater.rating.pairing.recheck import with_rechecks
from rater.rating.tally import Counters, Tally
from rater.rating.undo import Entry, UndoLog, Undone, entry, journal_pair, undone_record

if TYPE_CHECKING:
    from rater.rating.store.team_session import TeamJournal

Clock = Callable[[], float]
CLIPS_AHEAD = 2  # pairs whose clips are made while the one on screen plays


class State(StrEnum):
    """Where the session is: a pair on screen, waiting for renders, or nothing left."""

    SHOWING = "showing"
    WAITING = "waiting"
    DONE = "done"


class AutoRateError(JournalError):
    """The automatic record of a pair with a broken sample could not be written.

    Distinct from a failed human decision: when it follows `decide`, the person's rating IS
    on disk, and the screen must say so rather than "rating NOT saved"."""


class Session(SessionJudging):
    """The state of one sitting: the pair on screen, the queue, the journal, the counters.

    Methods that change state (`advance`, `decide`, `skip`, `undo`, `end_with_auto`,
    `finish_job`) are called from one thread at a time (the UI's, or the auto-rating worker
    while the UI waits); judging and idle jobs run on other threads and only add results.
    """

    def __init__(
        self,
        samples: Sequence[Sample],
        journal: Journal | TeamJournal,
        settings: RateSettings,
        *,
        judge: JudgeFn | None = None,
        clip: Maker | None = None,
        clock: Clock = time.monotonic,
        defer_refit: bool = False,
        wrap_source: Callable[[PairSource], PairSource] | None = None,
    ) -> None:
        """`judge`: instead of the real pipeline (tests, benches), the whole of it unless
        `clip` (the clip maker) is given too. `wrap_source`: the pairs come through this (a
        team project's leases or claims, `rating.store.team_session`) instead of straight
        from `settings.pairing`'s strategy."""
        self.samples = list(samples)
        self.by_id = {s.id: s for s in self.samples}
        self.journal = journal
        self.settings = settings
        self.rater = settings.rater
        self.clock = clock
        self.started = clock()
        history = journal.history()  # what the journal's records say (its side index)
        self.resumed = history.lines
        self.tally = Tally(self.rater, history)  # the journal's decisions, yours among them
        self.excluded: set[str] = set(history.broken)  # samples with their automatic record
        try:
            self.source = pairing.source(
                settings.pairing,
                self.samples,
                history,
                defer_refit=defer_refit,
                wait_for_ready=True,  # pair what is judged, not what the renders reach last
                render=settings.render,  # the `model` strategy reads the clips played
                offload=defer_refit,  # (its jobs in a child process)
            )
        except RaterError as exc:  # an unusable strategy for these samples: the user's to fix
            if exc.field:
                raise
            strategy = settings.pairing.strategy
            raise SettingsError(f"{{field}} {strategy}: {exc}", field="strategy") from exc
        if wrap_source is not None:
            self.source = wrap_source(self.source)
        # hidden re-checks of this rater's decisions (only of samples judged good here)
        self.source = with_rechecks(self.source, self.samples, history, settings, self.verdict_of)
        self.order = pair_order(self.samples, self.source)
        self.judging = Judging(self.order, settings.render, settings.checks, judge)
        self.clips = Clips(self.judging, clip) if judge is None or clip is not None else None
        self.events = Events(self.judging)
        self._stamp = pairing_fields(settings.pairing)  # every record says how it was paired
        self._all_ready = False  # every sample was handed to the source as judged
        self._job_out = False  # an idle job is running
        self.current: Pair | None = None
        self.state = State.WAITING
        self._queue: deque[Pair] = deque()
        self._undo = UndoLog()
        self.rated = self.auto = self.skipped = 0
        self.elsewhere = 0  # pairs that other processes decided while this session ran

    def resume_line(self, where: str) -> str:
        """One line about the journal (named `where`) this sitting continues ("" when new)."""
        return self.tally.resume_line(where)

    # -- the pairing's idle work (see rater.rating.pairing.base) --------------------------

    def idle_job(self) -> Job | None:
        """The pairing strategy's next idle job, to run on any thread; None when there is
        nothing to do or a job is still out (one at a time: `finish_job` first)."""
        if self._job_out:
            return None
        job = self.source.prepare()
        self._job_out = job is not None
        return job

    def finish_job(self, result: object | None) -> None:
        """A job's result, on this thread (None: it failed; the last fit stays in use)."""
        self._job_out = False
        if result is not None:
            self.source.adopt(result)

    def settle(self) -> None:
        """All the idle work now, on this thread (scripts and benches without a worker)."""
        self.source.settle()

    def close(self) -> None:
        """The sitting is over: the pairing's child process (if any) stops, no more clips."""
        self.source.close()
        if self.clips is not None:
            self.clips.close()

    # -- moving through pairs -------------------------------------------------------------

    @property
    def reached(self) -> str:
        """The pairing strategy's goal, once reached (`--until`): what it says ("top 10: 91%
        sure (--until 0.9)"); "" until then."""
        if not self.source.reached:
            return ""
        return f"{self.source.status} (--until {self.settings.pairing.until:g})"

    def advance(self) -> State:
        """Move to the next pair a person must see; auto-rate broken pairs on the way.

        Returns SHOWING (self.current is set), WAITING (the next pair is not judged yet; call
        again when a sample is judged) or DONE (no pair left, or the pairing strategy reached
        its goal: `reached`).
        """
        if self.current is not None:
            self.state = State.SHOWING
            return self.state
        self._catch_up()
        if self.source.reached:  # the strategy's goal (`--until`): the sitting is over
            self.state = State.DONE
            return self.state
        while True:
            pair = self._queue.popleft() if self._queue else self._next_from_source()
            if pair is not None and not pair.recheck_of and self._decided_elsewhere(pair):
                self.elsewhere += 1  # another process decided it meanwhile (a re-check repeats
                continue  # this rater's own decision on purpose)
            if pair is None:
                # an adaptive source may only be waiting for samples still being judged
                self.state = State.WAITING if self.source.waiting else State.DONE
                return self.state
            if self.judging.is_lost(pair.a.id) or self.judging.is_lost(pair.b.id):
                continue  # the machine failed on one (the notice says): not shown, not recorded
            if self.judged_of(pair.a.id) is None or self.judged_of(pair.b.id) is None:
                self._queue.appendleft(pair)
                self.state = State.WAITING
                return self.state
            try:
                rated = self._auto_rate(pair)
            except Exception:
                self._queue.appendleft(pair)  # not written: it comes up again next time
                raise
            if rated:
                continue
            if not self.heard_ready(pair):  # its clips are being made
                self._queue.appendleft(pair)
                self.want_clips([pair, *self._ahead()])
                self.state = State.WAITING
                return self.state
            self.current = pair
            self.state = State.SHOWING
            self.want_clips(self._ahead())  # made while this pair plays
            return self.state

    def _ahead(self) -> list[Pair]:
        """The pairs after the next one, whose clips are made while it plays."""
        queued = list(self._queue)[1:] if self.current is None else list(self._queue)
        return (queued + self.source.upcoming(CLIPS_AHEAD))[:CLIPS_AHEAD]

    def _decided_elsewhere(self, pair: Pair) -> bool:
        return self.journal.is_decided((pair.a.id, pair.b.id))

    def _catch_up(self) -> None:
        """Take in what other processes appended to the journal since we last looked."""
        try:
            news = self.journal.news()
        except RaterError as exc:  # retried like an automatic record that was not saved
            raise AutoRateError(f"journal could not be read ({exc}); retrying") from exc
        self.tally.add(news)
        for sample_id in broken_ids(news):
            self.exclude(sample_id)
        self.source.record(news)

    def _next_from_source(self) -> Pair | None:
        """The source's next pair, after telling it which samples are judged; once judging
        has ended every sample counts, so nothing waits for a result that will not come."""
        if not self._all_ready:
            done = self.judging.done.is_set()
            self.source.mark_ready(self.judging.take_new())
            if done:
                self.source.mark_ready(s.id for s in self.samples)
                self._all_ready = True
        return self.source.next_pair()

    def _auto_rate(self, pair: Pair) -> bool:
        """The auto-rate rule for this pair (`outcome.auto_rate_pairs`); True if it applied."""
        found, _ = outcome.auto_rate_pairs(
            [pair], self.verdict_of, self.rater, self.exclude, extra=self.record_fields()
        )
        if not found:
            return False
        try:
            written = self._write(found[0], unless_decided=True)
        except (RaterError, OSError) as exc:
            raise AutoRateError(
                f"automatic rating of a pair with a broken sample was NOT saved ({exc}); retrying"
            ) from exc
        if not written:  # another process decided the pair meanwhile
            self.elsewhere += 1
            return True
        self.tally.add(written)
        self._undo.add(entry(pair, written, self.tally.decisions, auto=True))
        self.auto += 1
        return True

    def _write(self, ratings: Sequence[Rating], unless_decided: bool = False) -> list[Rating]:
        written = list(self.journal.append(ratings, unless_decided=unless_decided))
        self.source.record(written)
        return written

    def decide(self, best: outcome.Best, extra: dict[str, Any] | None = None) -> list[Rating]:
        """Record the person's choice (on disk before returning), then move on. `extra`:
        metadata for the record (the listening data, `rater.rating.listening`)."""
        pair = self.current
        if pair is None:
            return []
        fields = {**(extra or {}), **self._stamp}
        if self.settings.show_source:  # the person saw where each sample came from
            fields["show_source"] = True
        written = self._write(outcome.decide(pair, best, self.rater, extra=fields))
        self.tally.add(written)
        self._undo.add(entry(pair, written, self.tally.decisions))
        self.rated += 1
        self.current = None
        self.state = State.WAITING  # if advancing fails (auto-rating write), the next call retries
        try:
            self.advance()
        except AutoRateError as exc:
            raise AutoRateError(f"your rating was saved, but the {exc}") from exc
        return written

    def skip(self) -> None:
        """No record: the pair stays undecided and comes back in a later session."""
        if self.current is None:
            return
        self.skipped += 1
        self.current = None
        self.state = State.WAITING
        self.advance()

    def undo(self) -> Undone | None:
        """Take back the last decision a person made and show that pair again (see
        `rating.undo`); None when there is nothing of this rater's to take back. Every line
        goes by the decision id written, so a line another process appended since is never
        removed (JournalError instead)."""
        entries = self._undo.last_person()
        if entries:
            self._undo.take_back(self.journal, entries, self._requeue)
            self.source.forget(e.decision for e in entries)
            head = entries[0]
            undone = Undone(head.pair, head.best, head.note, head.number, len(entries) - 1)
            self.rated = max(0, self.rated - 1)
            self.auto = max(0, self.auto - undone.auto)
            again = [e.pair for e in entries]
        else:
            records = self.journal.last_decision()  # read backwards: the last lines only
            if not records or records[-1].broken or records[-1].rater != self.rater:
                return None
            pair = journal_pair(records[-1], self.by_id)
            if pair is None:
                return None
            taken = self.journal.undo(expect_decision=records[-1].extra.get("decision"))
            self.source.forget([taken[0].extra.get("decision") if taken else None])
            undone = undone_record(pair, records[-1], self.tally.decisions)
            again = [pair]
        self.tally.remove(person=True, auto=undone.auto)
        self._queue = deque(again[1:] + self.pending())
        self.current = again[0]
        self.state = State.SHOWING
        return undone

    def _requeue(self, gone: list[Entry]) -> None:
        """Automatic records undone before an undo failed: they are re-made when their
        pairs come up again."""
        self.auto = max(0, self.auto - len(gone))
        self.tally.remove(person=False, auto=len(gone))
        self._queue = deque([e.pair for e in gone] + list(self._queue))

    # -- the rest -------------------------------------------------------------------------

    def pending(self) -> list[Pair]:
        """Pairs already taken from the source and not decided: the one on screen, then the
        queue (taken back by undo, or waiting for renders)."""
        return ([self.current] if self.current is not None else []) + list(self._queue)

    def end_with_auto(self, found: Sequence[Sequence[Rating]]) -> list[list[Rating]]:
        """End the sitting with these automatic decisions (the `r` key): one write + fsync,
        then nothing is pending and the session is DONE. JournalError leaves it as it was.
        Returns those written: a pair another process decided meanwhile is left out."""
        written = self.journal.append_many(found, unless_decided=True) if found else []
        for records in written:
            self.source.record(records)
        self.current = None
        self._queue.clear()
        self.auto += len(written)
        for records in written:
            self.tally.add(records)
        self.state = State.DONE
        return written

    def record_fields(self) -> dict[str, Any]:
        """What every record of this sitting carries besides the decision (how its pairs
        were chosen): the `r` key's automatic records too."""
        return dict(self._stamp)

    def exclude(self, sample_id: str) -> None:
        """A sample is broken and has its automatic record: no strategy pairs it again."""
        self.excluded.add(sample_id)
        self.source.exclude(sample_id)

    def counters(self) -> Counters:
        extra = len(self._queue) + (1 if self.current is not None else 0)
        remaining, estimate = self.source.remaining, self.source.estimate
        return Counters(
            rated=self.rated,
            auto=self.auto,
            skipped=self.skipped,
            remaining=None if remaining is None else remaining + extra,
            estimate=None if estimate is None else estimate + extra,
            elapsed=max(0.0, self.clock() - self.started),
            judged=self.judging.count(),
            total=len(self.order),
            decisions=self.tally.decisions,
            people=self.tally.people,
            mine=self.tally.mine,
            goal=self.source.status,
        )

    def verdicts(self) -> tuple[Judged | None, Judged | None]:
        """The judged samples of the pair on screen (for verdicts, clips, piano rolls)."""
        if self.current is None:
            return None, None
        return self.judged_of(self.current.a.id), self.judged_of(self.current.b.id)
