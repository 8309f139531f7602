"""Run a command and measure it: wall time and peak memory of its whole process tree.

Peak memory is the largest sum of resident set sizes (RSS) over the process
and all its descendants, sampled every ``interval`` seconds, cross-checked
with each process's own high-water mark (``VmHWM`` in /proc/<pid>/status,
kept by the kernel since the process's exec), which catches spikes shorter
than the sampling interval. The reported peak is the larger of the two.
(``ru_maxrss`` from ``wait4`` is no substitute on Linux: a child starts with
the high-water mark of the parent that forked it, so a benchmark process that
has itself used memory would inflate every later measurement.) Outside Linux,
psutil (when installed) samples RSS and ``ru_maxrss`` is the cross-check.

The samples are kept (a timeline) so a dbt build's peak can be attributed to
the models running at the time.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

try:  # optional: not in requirements.lock
    import psutil
except ImportError:  # pragma: no cover - depends on the environment
    psutil = None


@dataclass
class Measurement:
    """What one measured command did."""

    command: list[str]
    returncode: int
    wall_seconds: float
    started_at: float  # time.time() at start
    peak_tree_rss_bytes: int  # sampled sum over the process tree
    max_process_rss_bytes: int  # high-water mark of the largest process (VmHWM / ru_maxrss)
    sampler: str
    cpu_seconds: float = 0.0  # user + system time of the process and its waited-for children
    # CPU seconds other processes used meanwhile (machine busy time minus ours):
    # how much the measurement was disturbed on a shared machine.
    other_cpu_seconds: float | None = None
    timeline: list[tuple[float, int]] = field(default_factory=list)  # (time.time(), tree RSS)

    @property
    def peak_rss_bytes(self) -> int:
        return max(self.peak_tree_rss_bytes, self.max_process_rss_bytes)

    def peak_between(self, start: float, end: float) -> int | None:
        """Largest sampled tree RSS with start <= t <= end (time.time() seconds)."""
        values = [rss for t, rss in self.timeline if start <= t <= end]
        return max(values) if values else None


def _children_proc(pid: int) -> list[int]:
    """Direct children of ``pid`` from /proc/<pid>/task/*/children."""
    children: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{task}/children") as handle:
                    children.extend(int(value) for value in handle.read().split())
            except OSError:
                continue
    except OSError:
        pass
    return children


def _status_bytes(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of ``pid`` in bytes from /proc/<pid>/status; zeros when it is gone."""
    rss = hwm = 0
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1]) * 1024
                elif line.startswith("VmHWM:"):
                    hwm = int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return rss, hwm


def has_proc() -> bool:
    return os.path.exists("/proc/self/status")


def sample_tree(pid: int) -> tuple[int, dict[int, int]]:
    """Sum of RSS over ``pid`` and its descendants, and each one's high-water mark (Linux)."""
    if has_proc():
        total, marks, stack, seen = 0, {}, [pid], set()
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            rss, hwm = _status_bytes(current)
            total += rss
            marks[current] = hwm
            stack.extend(_children_proc(current))
        return total, marks
    if psutil is not None:
        try:
            root = psutil.Process(pid)
            processes = [root, *root.children(recursive=True)]
        except psutil.Error:
            return 0, {}
        total = 0
        for process in processes:
            try:
                total += process.memory_info().rss
            except psutil.Error:
                continue
        return total, {}
    return 0, {}


def machine_busy_seconds() -> float | None:
    """CPU seconds all processes have used since boot (Linux /proc/stat), or None."""
    try:
        with open("/proc/stat") as handle:
            fields = handle.readline().split()
    except OSError:
        return None
    if not fields or fields[0] != "cpu":
        return None
    # user nice system idle iowait irq softirq steal ...: busy = all but idle and iowait
    values = [int(value) for value in fields[1:9]]
    busy = sum(values) - values[3] - values[4]
    return busy / os.sysconf("SC_CLK_TCK")


def sampler_name() -> str:
    if has_proc():
        return "/proc (VmRSS sum, VmHWM per process)"
    return "psutil (RSS sum) + ru_maxrss" if psutil is not None else "ru_maxrss only"


def run_measured(
    command: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    log_path: Path | None = None,
    on_line: Callable[[str], None] | None = None,
    interval: float = 0.2,
    timeout: float | None = None,
) -> Measurement:
    """Run ``command``; stream its output (stdout + stderr) to ``log_path`` and ``on_line``."""
    started_at = time.time()
    busy_before = machine_busy_seconds()
    began = time.perf_counter()
    process = subprocess.Popen(
        list(command),
        cwd=cwd,
        env=dict(env) if env is not None else None,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    )
    timeline: list[tuple[float, int]] = []
    done = threading.Event()

    marks: dict[int, int] = {}

    def sample() -> None:
        while not done.is_set():
            rss, hwm = sample_tree(process.pid)
            if rss:
                timeline.append((time.time(), rss))
            for pid, value in hwm.items():
                marks[pid] = max(marks.get(pid, 0), value)
            done.wait(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    log = log_path.open("w") if log_path else None
    timer = None
    if timeout is not None:
        timer = threading.Timer(timeout, process.kill)
        timer.start()
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if log:
                log.write(line)
            if on_line:
                on_line(line.rstrip("\n"))
        # wait4 reaps the child and returns its own rusage (and its waited-for children's).
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    finally:
        done.set()
        sampler.join()
        if timer:
            timer.cancel()
        if log:
            log.close()
    wall = time.perf_counter() - began
    busy_after = machine_busy_seconds()
    cpu = usage.ru_utime + usage.ru_stime
    other = None
    if busy_before is not None and busy_after is not None:
        other = max(0.0, busy_after - busy_before - cpu)
    if has_proc():
        max_rss = max(marks.values(), default=0)
    else:
        max_rss = usage.ru_maxrss * (1 if _maxrss_in_bytes() else 1024)
    return Measurement(
        command=list(command),
        returncode=process.returncode,
        wall_seconds=wall,
        started_at=started_at,
        peak_tree_rss_bytes=max((rss for _, rss in timeline), default=0),
        max_process_rss_bytes=max_rss,
        sampler=sampler_name(),
        cpu_seconds=cpu,
        other_cpu_seconds=other,
        timeline=timeline,
    )


def _maxrss_in_bytes() -> bool:
    """ru_maxrss is kilobytes on Linux, bytes on macOS."""
    return os.uname().sysname == "Darwin"
