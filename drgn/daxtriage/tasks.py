# SPDX-License-Identifier: GPL-2.0-or-later
"""
Tasks, stacks, pipes and wait tables
------------------------------------

The ``daxtriage.tasks`` module reads tasks straight from memory, as
``crash-ext/core/tasks.c`` does, so that both front ends see the same
tasks whatever their own task machinery can do:

- tasks: ``init_task.tasks`` and each leader's ``thread_group``
  (:linux:`include/linux/sched.h`), bounded; not drgn's
  ``for_each_task()`` and not its stack unwinder, which drgn 0.0.22 cannot
  run on 6.12+ kernels ("unknown ORC entry type");
- where a sleeping task waits: the words of its kernel stack, from the saved
  stack pointer (``thread.sp``) to the top, that are kernel text addresses,
  by symbol name (as crash's ``bt -t`` and ``/proc/PID/stack`` evidence);
  innermost first;
- pipes: every ``pipe_buffer`` of every pipe a task has open
  (:linux:`include/linux/pipe_fs_i.h`): vmsplice'd pages live there;
- wait tables: ``bit_wait_table`` (``wait_var_event()`` waiters: the
  variable and the task, :linux:`kernel/sched/wait_bit.c`) and
  :linux:`fs/dax.c`'s ``wait_table`` (DAX entry waiters: the xarray and the
  entry index).

Every walk is bounded; a broken list ends the walk with an error in words,
never a loop.
"""

import struct
from typing import Iterator, List, NamedTuple, Optional, Sequence

from drgn import FaultError, Program

from .escape import escape_bytes
from .memory import read_u64 as _u64, read_u32 as _u32, kptr_ok as _kptr
from .layout import member_offset, type_size
from .symbols import symbol_address, symbol_name

__all__ = (
    "TASKS_MAX",
    "FRAMES_MAX",
    "TaskLayout",
    "Task",
    "PipeRef",
    "Waiter",
    "task_layout",
    "task_state_letter",
    "for_each_task_in_memory",
    "task_frames",
    "frames_match",
    "pipe_scan",
    "var_waiters",
    "dax_entry_waiters",
)

TASKS_MAX = 65536
FRAMES_MAX = 48
# S_IFMT / S_IFIFO (include/uapi/linux/stat.h)
_S_IFMT, _S_IFIFO = 0o170000, 0o010000
# WAIT_TABLE_BITS 8 (kernel/sched/wait_bit.c); DAX_WAIT_TABLE_BITS 12 (fs/dax.c)
_WAIT_TABLE_SIZE = 256
_DAX_WAIT_TABLE_ENTRIES = 4096
_WAITERS_MAX = 64  # per bucket
_FDS_MAX = 65536
_PIPE_SLOTS_MAX = 4096
# THREAD_SIZE: 16 KiB on x86_64 since Linux kernel commit 6538b8ea886e
# ("x86_64: expand kernel stack to 16K") (in v3.15); KASAN doubles it
_THREAD_SIZE = 16384
# x86_64: kernel text (__START_KERNEL_map + ...) and the module area
_TEXT_LO, _TEXT_HI = 0xFFFFFFFF80000000, 0xFFFFFFFFFF000000


class TaskLayout:
    """The offsets of :mod:`daxtriage.tasks` (``struct dt_tlayout``); ``-1`` if absent."""

    def __init__(self, prog: Program) -> None:
        off = lambda t, m: member_offset(prog, "struct " + t, m)  # noqa: E731
        self.ok = False
        self.error = ""
        ts = "task_struct"
        self.t_tasks, self.t_thread_group = off(ts, "tasks"), off(ts, "thread_group")
        self.t_pid, self.t_tgid, self.t_comm = off(ts, "pid"), off(ts, "tgid"), off(ts, "comm")
        self.t_stack = off(ts, "stack")
        # Linux kernel commit 2f064a59a11f ("sched: Change task_struct::state")
        # (in v5.14) renamed state to __state
        self.t_state = off(ts, "__state")
        if self.t_state < 0:
            self.t_state = off(ts, "state")
        self.t_thread = off(ts, "thread")
        sp = off("thread_struct", "sp")  # x86_64
        self.th_sp = self.t_thread + sp if self.t_thread >= 0 and sp >= 0 else -1
        self.t_files = off(ts, "files")
        self.fs_fdt = off("files_struct", "fdt")
        self.fdt_max_fds, self.fdt_fd = off("fdtable", "max_fds"), off("fdtable", "fd")
        self.f_inode = off("file", "f_inode")
        self.i_mode, self.i_pipe = off("inode", "i_mode"), off("inode", "i_pipe")
        pi = "pipe_inode_info"
        self.pi_bufs = off(pi, "bufs")
        # Linux kernel commit 8cefc107ca54 ("pipe: Use head and tail pointers
        # for the ring, not cursor and length") (in v5.5)
        self.pi_ring_size, self.pi_head, self.pi_tail = off(pi, "ring_size"), off(pi, "head"), off(
            pi, "tail"
        )
        self.pi_buffers = off(pi, "buffers")
        pb = "pipe_buffer"
        self.pb_page, self.pb_offset = off(pb, "page"), off(pb, "offset")
        self.pb_len = off(pb, "len")
        self.pb_ops = off(pb, "ops")
        self.pb_size = type_size(prog, "struct pipe_buffer")
        self.wqh_head = off("wait_queue_head", "head")
        self.wqh_size = type_size(prog, "struct wait_queue_head")
        self.wqe_private, self.wqe_func = off("wait_queue_entry", "private"), off(
            "wait_queue_entry", "func"
        )
        self.wqe_entry = off("wait_queue_entry", "entry")
        self.wbq_key, self.wbq_wq_entry = off("wait_bit_queue_entry", "key"), off(
            "wait_bit_queue_entry", "wq_entry"
        )
        self.wbk_flags = off("wait_bit_key", "flags")
        self.wbk_bit_nr = off("wait_bit_key", "bit_nr")
        self.weq_wait, self.weq_key = off("wait_exceptional_entry_queue", "wait"), off(
            "wait_exceptional_entry_queue", "key"
        )
        self.eek_xa = off("exceptional_entry_key", "xa")
        self.eek_entry_start = off("exceptional_entry_key", "entry_start")
        self.thread_size = _THREAD_SIZE
        self.init_task = symbol_address(prog, "init_task")
        if not self.init_task or self.t_tasks < 0 or self.t_pid < 0 or self.t_comm < 0:
            self.error = "no init_task or task_struct.tasks/pid/comm in debuginfo"
        else:
            self.ok = True


def task_layout(prog: Program) -> TaskLayout:
    """
    Probe (once) the offsets the task helpers need; memoised in
    ``prog.cache["daxtriage.task_layout"]``. ``ok`` is false, with ``error``
    in words, if tasks cannot be walked.

    >>> task_layout(prog).ok
    True

    :param prog: the program
    """
    key = "daxtriage.task_layout"
    tl = prog.cache.get(key)
    if tl is None:
        tl = prog.cache[key] = TaskLayout(prog)
    return tl


class Task(NamedTuple):
    """One task as read from memory (``struct dt_task``)."""

    task: int  # struct task_struct *
    pid: int
    tgid: int
    comm: str  # display form (escape.py)
    state: str  # R S D T t I X Z ?
    state_raw: int
    stack: int  # task->stack
    sp: int  # task->thread.sp: the saved stack pointer of a task that is not running


def task_state_letter(state: int) -> str:
    """
    Return the ``ps`` letter of a ``task_struct.__state`` value.

    >>> task_state_letter(0x402)   # TASK_IDLE
    'I'

    :param state: ``unsigned int __state`` (``long state`` before v5.14)
    """
    # include/linux/sched.h: TASK_RUNNING 0, INTERRUPTIBLE 1, UNINTERRUPTIBLE 2,
    # __TASK_STOPPED 4, __TASK_TRACED 8, EXIT_DEAD 0x10, EXIT_ZOMBIE 0x20,
    # TASK_IDLE = UNINTERRUPTIBLE|TASK_NOLOAD (0x402)
    if state == 0:
        return "R"
    if state & 0x402 == 0x402:
        return "I"
    for bit, letter in ((1, "S"), (2, "D"), (4, "T"), (8, "t"), (0x20, "Z"), (0x10, "X")):
        if state & bit:
            return letter
    return "?"


def _s32(v: int) -> int:
    return v - (1 << 32) if v >> 31 else v


def _read_task(prog: Program, tl: TaskLayout, task: int) -> Optional[Task]:
    pid = _u32(prog, task + tl.t_pid)
    if pid is None:
        return None
    tgid = _u32(prog, task + tl.t_tgid) if tl.t_tgid >= 0 else None
    try:
        raw = prog.read(task + tl.t_comm, 16)
    except (FaultError, ValueError, OverflowError):
        raw = bytes(16)
    comm = escape_bytes(raw.split(b"\0", 1)[0])  # a comm is whatever prctl() set
    st = _u32(prog, task + tl.t_state) if tl.t_state >= 0 else None
    stack = (_u64(prog, task + tl.t_stack) or 0) if tl.t_stack >= 0 else 0
    sp = (_u64(prog, task + tl.th_sp) or 0) if tl.th_sp >= 0 else 0
    return Task(
        task,
        _s32(pid),
        _s32(tgid or 0),
        comm,
        task_state_letter(st) if st is not None else "?",
        st or 0,
        stack,
        sp,
    )


def for_each_task_in_memory(
    prog: Program, tl: Optional[TaskLayout] = None, errors: Optional[List[str]] = None
) -> Iterator[Task]:
    """
    Iterate over every thread: each leader of ``init_task.tasks`` (from
    ``init_task`` itself), then its other threads (``thread_group``, before
    v6.7), reading memory only. Bounded (65536 tasks); a broken list ends
    the walk and appends the reason, in words, to ``errors``.

    >>> [(t.pid, t.comm, t.state) for t in for_each_task_in_memory(prog)][:2]
    [(0, 'swapper/0', 'R'), (1, 'init', 'R')]

    :param tl: from :func:`task_layout()` (default: probed)
    :param errors: a list that receives the error, if any
    """
    tl = tl if tl is not None else task_layout(prog)
    errs = errors if errors is not None else []
    if not tl.ok:
        errs.append(tl.error)
        return
    head = tl.init_task + tl.t_tasks
    pos = head
    n = 0
    while True:
        leader = pos - tl.t_tasks
        thead = leader + tl.t_thread_group if tl.t_thread_group >= 0 else 0
        tpos = thead
        nt = 0
        while True:
            task = tpos - tl.t_thread_group if thead and tpos != thead else leader
            t = _read_task(prog, tl, task)
            if t is not None:
                yield t
            n += 1
            if n > TASKS_MAX:
                errs.append(f"more than {TASKS_MAX} tasks: task list looks cyclic")
                return
            if not thead:
                break
            tpos = _u64(prog, tpos)
            nt += 1
            if not _kptr(tpos) or nt > 65536 or tpos == thead:
                break
        pos = _u64(prog, pos)
        if not _kptr(pos):
            errs.append(f"task list broken after task {leader:#x}")
            return
        if pos == head:
            return


def task_frames(prog: Program, task: Task, tl: Optional[TaskLayout] = None) -> Optional[List[str]]:
    """
    Return the kernel text addresses on a task's stack, from its saved
    stack pointer (if inside the stack) to the top, as ``"symbol+0xoff"``,
    innermost first (at most 48); ``None`` if the stack is not readable.
    A word that names the first byte of a function is not a return address
    and is skipped. The task should not be running: its saved stack pointer
    would be stale.

    >>> task_frames(prog, t)[:2]    # data words in the text range name their object
    ['__schedule+0x34d', 'bit_wait_table+0xd80']

    :param task: from :func:`for_each_task_in_memory()`
    :param tl: from :func:`task_layout()` (default: probed)
    """
    tl = tl if tl is not None else task_layout(prog)
    if not _kptr(task.stack, 4096):
        return None
    lo, hi = task.stack, task.stack + tl.thread_size
    start = task.sp & ~7 if lo <= task.sp < hi else lo
    try:
        buf = prog.read(start, hi - start)
    except (FaultError, ValueError, OverflowError):
        return None
    frames: List[str] = []
    for (w,) in struct.iter_unpack("<Q", buf[: (hi - start) & ~7]):
        if not _TEXT_LO <= w < _TEXT_HI:
            continue
        s = symbol_name(prog, w)
        # a return address is inside a function, never at its first byte
        if s is None or "+" not in s:
            continue
        frames.append(s[:63])
        if len(frames) >= FRAMES_MAX:
            break
    return frames


def frames_match(frames: Sequence[str], names: Sequence[str]) -> Optional[str]:
    """
    Return the first (innermost) frame whose function is one of ``names``,
    or ``None``.

    >>> frames_match(task_frames(prog, t), ("ext4_break_layouts", "xfs_break_dax_layouts"))
    'ext4_break_layouts+0x8f'

    :param frames: from :func:`task_frames()`
    :param names: function names
    """
    want = set(names)
    for f in frames:
        if f.split("+", 1)[0] in want:
            return f
    return None


class PipeRef(NamedTuple):
    """A pipe buffer holding one of the pages asked for (``struct dt_pipe_ref``)."""

    pid: int
    comm: str
    fd: int
    file: int
    pipe: int  # struct pipe_inode_info *
    page: int  # the page in the buffer (a tail of a compound page, maybe)
    head: int  # the page asked for (the compound head when page is its tail)
    slot: int
    offset: int
    len: int
    ops: int


def _high_mask(v: int) -> bool:
    # 0xffff...f000...: contiguous ones from bit 63 down (a compound_info mask)
    inv = ~v & ((1 << 64) - 1)
    return v >> 63 == 1 and inv & (inv + 1) == 0


def _page_wanted(prog: Program, l, pages: set, page: int) -> int:
    # the page itself, or the head of the compound page it is a tail of, if asked for
    if page in pages:
        return page
    if l.pg_compound_head >= 0:
        w = _u64(prog, page + l.pg_compound_head)
        if w is not None and w & 1:
            head = w - 1
            if getattr(l, "pg_compound_info", False) and _high_mask(head):
                head = page & head  # compound_info: a mask over the tail's own address
            if head in pages:
                return head
    return 0


def _scan_pipe(prog, tl, l, pages, task, fd, file, pipe) -> Iterator[PipeRef]:
    bufs = _u64(prog, pipe + tl.pi_bufs)
    if not _kptr(bufs):
        return
    slots = 0
    if tl.pi_ring_size >= 0:
        slots = _u32(prog, pipe + tl.pi_ring_size) or 0
    elif tl.pi_buffers >= 0:
        slots = _u32(prog, pipe + tl.pi_buffers) or 0
    if slots == 0 or slots > _PIPE_SLOTS_MAX or tl.pb_size <= 0 or tl.pb_size > 256:
        return
    # occupied slots: tail..head-1 modulo ring_size (5.5+); a released slot
    # keeps its page pointer but has ops NULL (pipe_buf_release)
    head = tail = None
    if tl.pi_head >= 0 and tl.pi_tail >= 0:
        head, tail = _u32(prog, pipe + tl.pi_head), _u32(prog, pipe + tl.pi_tail)
    ring = head is not None and tail is not None
    try:
        b = prog.read(bufs, slots * tl.pb_size)
    except (FaultError, ValueError, OverflowError):
        return
    for s in range(slots):
        o = s * tl.pb_size
        page = struct.unpack_from("<Q", b, o + tl.pb_page)[0]
        blen = struct.unpack_from("<I", b, o + tl.pb_len)[0] if tl.pb_len >= 0 else 1
        ops = struct.unpack_from("<Q", b, o + tl.pb_ops)[0] if tl.pb_ops >= 0 else 1
        if ring and not slots & (slots - 1):  # ring_size is a power of 2; else ops
            occupied = ((s - tail) & (slots - 1)) < ((head - tail) & 0xFFFFFFFF)
        else:
            occupied = ops != 0
        if not page or not occupied:
            continue
        want = _page_wanted(prog, l, pages, page)
        if not want:
            continue
        offset = struct.unpack_from("<I", b, o + tl.pb_offset)[0] if tl.pb_offset >= 0 else 0
        yield PipeRef(
            task.pid, task.comm, fd, file, pipe, page, want, s, offset, blen,
            ops if tl.pb_ops >= 0 else 0,
        )  # fmt: skip


def pipe_scan(
    prog: Program, layout, pages: Sequence[int], errors: Optional[List[str]] = None
) -> Iterator[PipeRef]:
    """
    Iterate over every pipe buffer, of every pipe open in any thread-group
    leader, whose page is one of ``pages`` or a tail of one of them
    (compound device-dax pages): once per (task, pipe, slot). Bounded: 65536
    fds per task, 4096 slots per pipe. ``errors`` receives what stopped the
    scan, in words.

    >>> [(r.pid, r.fd, r.slot) for r in pipe_scan(prog, dax_layout(prog), [0xfffffb3c44218100])]
    [(140, 5, 0), (142, 5, 0)]

    :param layout: from :func:`daxtriage.layout.dax_layout()` (struct page offsets)
    :param pages: ``struct page *`` addresses
    :param errors: a list that receives the error, if any
    """
    errs = errors if errors is not None else []
    tl = task_layout(prog)
    if min(
        tl.t_files, tl.fs_fdt, tl.fdt_fd, tl.fdt_max_fds, tl.f_inode, tl.i_mode, tl.i_pipe,
        tl.pi_bufs, tl.pb_page,
    ) < 0:  # fmt: skip
        errs.append("files/fdtable/pipe_inode_info/pipe_buffer not in debuginfo")
        return
    want = set(pages)
    for task in for_each_task_in_memory(prog, tl, errs):
        if task.tgid and task.pid != task.tgid:
            continue  # threads share the leader's files
        files = _u64(prog, task.task + tl.t_files)
        fdt = _u64(prog, files + tl.fs_fdt) if _kptr(files) else None
        nfd = _u32(prog, fdt + tl.fdt_max_fds) if _kptr(fdt) else None
        fdarr = _u64(prog, fdt + tl.fdt_fd) if nfd is not None else None
        if not _kptr(fdarr):
            continue
        nfd = min(nfd, _FDS_MAX)
        try:
            fds = struct.unpack(f"<{nfd}Q", prog.read(fdarr, nfd * 8)) if nfd else ()
        except (FaultError, ValueError, OverflowError):
            continue
        seen = []  # pipes already reported for this task
        for fd, file in enumerate(fds):
            if not _kptr(file):
                continue
            inode = _u64(prog, file + tl.f_inode)
            if not _kptr(inode):
                continue
            try:
                mode = struct.unpack("<H", prog.read(inode + tl.i_mode, 2))[0]
            except (FaultError, ValueError, OverflowError):
                continue
            if mode & _S_IFMT != _S_IFIFO:
                continue
            pipe = _u64(prog, inode + tl.i_pipe)
            if not _kptr(pipe) or pipe in seen:
                continue
            if len(seen) < 64:
                seen.append(pipe)
            yield from _scan_pipe(prog, tl, layout, want, task, fd, file, pipe)


class Waiter(NamedTuple):
    """A waiter of a hashed wait table (``struct dt_waiter``)."""

    entry: int  # the wait_queue_entry
    task: int  # its private: the task
    func: int
    key0: int  # bit_wait_table: the variable (flags); wait_table: the xarray
    key1: int  # bit_wait_table: bit_nr (-1: wait_var_event); wait_table: entry_start
    bucket: int


def _walk_table(prog, tl, table: int, nheads: int, decode) -> List[Waiter]:
    hs = tl.wqh_size
    try:
        b = prog.read(table, hs * nheads)
    except (FaultError, ValueError, OverflowError):
        raise ValueError(f"wait table at {table:#x} not readable")
    out: List[Waiter] = []
    for i in range(nheads):
        head = table + i * hs + tl.wqh_head
        pos = struct.unpack_from("<Q", b, i * hs + tl.wqh_head)[0]
        k = 0
        while pos is not None and pos != head and k < _WAITERS_MAX:
            k += 1
            if not _kptr(pos):
                break
            entry = pos - tl.wqe_entry
            task = _u64(prog, entry + tl.wqe_private) or 0
            func = _u64(prog, entry + tl.wqe_func) or 0
            key = decode(entry)
            if key is not None:
                out.append(Waiter(entry, task, func, key[0], key[1], i))
            pos = _u64(prog, pos)
    return out


def var_waiters(prog: Program) -> List[Waiter]:
    """
    Return the waiters of ``bit_wait_table[WAIT_TABLE_SIZE]``; those with
    ``key1 == -1`` are ``wait_var_event()`` waiters whose ``key0`` is the
    variable (``&page->_refcount`` for a layout break before 6.15).

    >>> [(hex(w.task), hex(w.key0)) for w in var_waiters(prog) if w.key1 == -1]
    [('0xffff8995022f0000', '0xfffffb3c44218134')]

    :raises ValueError: no ``bit_wait_table`` or its types in debuginfo, or
        the table is not readable (one line)
    """
    tl = task_layout(prog)
    table = symbol_address(prog, "bit_wait_table")
    if not table or tl.wqh_size <= 0 or min(
        tl.wqh_head, tl.wqe_entry, tl.wbq_wq_entry, tl.wbq_key, tl.wbk_flags
    ) < 0:
        raise ValueError("bit_wait_table or wait_bit_queue_entry not in debuginfo")

    def decode(entry):
        wbq = entry - tl.wbq_wq_entry
        flags = _u64(prog, wbq + tl.wbq_key + tl.wbk_flags)
        bit = _u32(prog, wbq + tl.wbq_key + tl.wbk_bit_nr)
        if flags is None or bit is None:
            return None
        return flags, _s32(bit)

    return _walk_table(prog, tl, table, _WAIT_TABLE_SIZE, decode)


def dax_entry_waiters(prog: Program) -> List[Waiter]:
    """
    Return the waiters of fs/dax.c's ``wait_table[DAX_WAIT_TABLE_ENTRIES]``
    (4.20+ key ``{xa, entry_start}``): tasks waiting for a locked DAX entry.

    >>> dax_entry_waiters(prog)
    []

    :raises ValueError: no ``wait_table`` or its key types in debuginfo, or
        the table is not readable (one line)
    """
    tl = task_layout(prog)
    table = symbol_address(prog, "wait_table")
    if not table or tl.wqh_size <= 0 or min(
        tl.wqh_head, tl.wqe_entry, tl.weq_wait, tl.weq_key, tl.eek_xa, tl.eek_entry_start
    ) < 0:
        raise ValueError(
            "fs/dax.c wait_table or its {xa, entry_start} key not in debuginfo "
            "(needs the 4.20+ layout)"
        )

    def decode(entry):
        q = entry - tl.weq_wait
        xa = _u64(prog, q + tl.weq_key + tl.eek_xa)
        start = _u64(prog, q + tl.weq_key + tl.eek_entry_start)
        return None if xa is None or start is None else (xa, start)

    return _walk_table(prog, tl, table, _DAX_WAIT_TABLE_ENTRIES, decode)

