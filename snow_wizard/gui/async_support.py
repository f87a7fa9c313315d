"""Running coroutines from Qt slots on the qasync loop, one task per page at a time.

A :class:`TaskRunner` keeps its task (so Back, Cancel and closing the window can cancel it),
shows a spinner + progress text + Cancel in the page's :class:`StatusLine` while it runs,
resets the busy state in ``finally``, shows ``SnowWizardError`` message, hint and causes in the
status line, and hands anything unexpected to ``sys.excepthook`` (the details dialog).
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QElapsedTimer, QObject, QTimer, Signal

from snow_wizard.gui.widgets import StatusLine

if TYPE_CHECKING:
    import asyncio

T = TypeVar("T")


class TaskRunner(QObject):
    """One cancellable coroutine at a time, reported in a status line."""

    busyChanged = Signal(bool)

    def __init__(self, status: StatusLine, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.status = status
        self.task: asyncio.Task[Any] | None = None
        self._running = False
        self._busy_text = ""
        self._elapsed = QElapsedTimer()
        self._ticker = QTimer(self)
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self._tick)
        self.show_elapsed = False
        status.cancelRequested.connect(self.cancel)

    @property
    def busy(self) -> bool:
        return self._running

    def start(
        self,
        coro: Coroutine[Any, Any, T],
        *,
        busy_text: str,
        on_success: Callable[[T], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_cancel: Callable[[], None] | None = None,
        show_elapsed: bool = False,
        cancellable: bool = True,
    ) -> asyncio.Task[None]:
        """Run ``coro`` as a task; cancel the one running before, if any."""
        self.cancel()
        self._set_running(False)
        self.show_elapsed = show_elapsed
        import asyncio  # loaded with the event loop, after the first page painted

        task = asyncio.ensure_future(
            self._run(coro, busy_text, on_success, on_error, on_cancel)
        )
        self.task = task
        self._busy_text = busy_text
        self._set_running(True)
        self.status.busy(busy_text, cancellable=cancellable)
        task.add_done_callback(lambda t: self._finished(t, coro, on_cancel))
        return task

    def _finished(
        self, task: asyncio.Task[Any], coro: Coroutine[Any, Any, Any],
        on_cancel: Callable[[], None] | None,
    ) -> None:
        """Covers a task cancelled before its first step (its body never ran)."""
        coro.close()
        if task is self.task and self._running:
            self._set_running(False)
            self.status.info("Cancelled. Nothing was changed, and everything you entered is kept.")
            if on_cancel is not None:
                on_cancel()

    def cancel(self) -> bool:
        """Cancel the running task; True when there was one."""
        task, running = self.task, self.busy
        if task is not None and running:
            task.cancel()
        return running

    async def _run(
        self,
        coro: Awaitable[T],
        busy_text: str,
        on_success: Callable[[T], None] | None,
        on_error: Callable[[BaseException], None] | None,
        on_cancel: Callable[[], None] | None,
    ) -> None:
        import asyncio

        me = asyncio.current_task()
        try:
            result = await coro
        except asyncio.CancelledError:
            if self.task is me:
                self.status.info(
                    "Cancelled. Nothing was changed, and everything you entered is kept."
                )
                self._set_running(False)
                if on_cancel is not None:
                    on_cancel()
            return
        except Exception as e:  # shown, never raised into Qt
            from snow_wizard.errors import SnowWizardError

            if self.task is me:
                if isinstance(e, SnowWizardError):
                    self.status.show_error(e)
                else:  # its text may hold anything: the details dialog redacts it
                    self.status.failure(
                        "Something unexpected went wrong.",
                        "The details are in the window that opened. Nothing you entered was "
                        "lost; you can try again.",
                    )
                self._set_running(False)
                if on_error is not None:
                    on_error(e)
            if not isinstance(e, SnowWizardError):
                sys.excepthook(type(e), e, e.__traceback__)
            return
        finally:
            if self.task is me and self._running:
                if self.status.kind == "busy":
                    self.status.clear()
                self._set_running(False)
        if self.task is me and on_success is not None:
            on_success(result)

    def _set_running(self, running: bool) -> None:
        if running == self._running:
            return
        self._running = running
        if running:
            self._elapsed.start()
            self._ticker.start()
        else:
            self._ticker.stop()
        self.busyChanged.emit(running)

    def set_busy_text(self, text: str) -> None:
        """Change the progress text of the running task (the elapsed time is appended)."""
        self._busy_text = text
        self.status.update_busy_text(text)
        self._tick()

    def elapsed_seconds(self) -> int:
        return int(self._elapsed.elapsed() / 1000) if self._elapsed.isValid() else 0

    def _tick(self) -> None:
        if self.show_elapsed:
            self.status.update_busy_text(f"{self._busy_text} ({self.elapsed_seconds()} s)")


def cancel_all(runners: list[TaskRunner]) -> None:
    for runner in runners:
        runner.cancel()


class MainThreadGC(QObject):
    """Run Python's cyclic garbage collector only on the Qt thread.

    Left alone, the collector runs in whichever thread happens to allocate (here: the worker
    threads of ``asyncio.to_thread``), and destroying a Qt widget from there crashes the
    process. While active, automatic collection is off and a timer collects on this thread.
    """

    def __init__(self, interval_ms: int = 500, parent: QObject | None = None) -> None:
        super().__init__(parent)
        import gc

        self._gc = gc
        self._was_enabled = gc.isenabled()
        self._threshold = gc.get_threshold()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check)

    def start(self) -> None:
        self._gc.disable()
        self._timer.start()

    def check(self) -> None:
        """Collect the generations whose thresholds were reached (what gc would do)."""
        gen0, gen1, gen2 = self._gc.get_count()
        t0, t1, t2 = self._threshold
        if gen0 > t0:
            generation = 2 if gen2 > t2 else 1 if gen1 > t1 else 0
            self._gc.collect(generation)

    def stop(self) -> None:
        self._timer.stop()
        self._gc.collect()
        if self._was_enabled:
            self._gc.enable()
