"""Take the network away from the current process (Linux seccomp), for query workers.

A SPARQL query worker (:mod:`graph.store.sandbox`) needs no network: it reads a
store checkpoint and talks to its parent over an inherited Unix socket pair.
:func:`deny_network` installs a seccomp filter on every thread of the process
that makes ``socket(AF_INET | AF_INET6 | AF_PACKET, ...)`` fail with ``EPERM``
and forbids ``io_uring_setup`` (whose socket operations a filter on
``socket`` would not see). So even a ``SERVICE`` the guard missed cannot open
a connection or resolve a name: Oxigraph's HTTP client gets an error.

The filter is permanent for the process and its children (``no_new_privs`` is
set, as seccomp requires without ``CAP_SYS_ADMIN``). Only x86-64 and arm64 are
known here; elsewhere, or where the kernel refuses, :func:`deny_network`
returns ``False`` and the caller logs that the guard stands alone.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import platform
import struct

logger = logging.getLogger(__name__)

# <linux/audit.h>, <asm/unistd.h>: architecture token and syscall numbers.
_ARCHES: dict[str, tuple[int, int, int, int]] = {
    # machine: (AUDIT_ARCH_*, __NR_socket, __NR_io_uring_setup, __NR_seccomp)
    "x86_64": (0xC000003E, 41, 425, 317),
    "aarch64": (0xC00000B7, 198, 425, 277),
}
_AF_BLOCKED = (2, 10, 17)  # AF_INET, AF_INET6, AF_PACKET
_EPERM = 1

# <linux/filter.h> and <linux/seccomp.h>
_BPF_LD_W_ABS = 0x20
_BPF_JEQ_K = 0x15
_BPF_RET_K = 0x06
_RET_ALLOW = 0x7FFF0000
_RET_ERRNO = 0x00050000
_RET_KILL_PROCESS = 0x80000000
_PR_SET_NO_NEW_PRIVS = 38
_SECCOMP_SET_MODE_FILTER = 1
_SECCOMP_FILTER_FLAG_TSYNC = 1
# struct seccomp_data: nr (u32) at 0, arch (u32) at 4, args[6] (u64) from 16.
_NR, _ARCH, _ARG0_LOW = 0, 4, 16


def _insn(code: int, jt: int, jf: int, k: int) -> bytes:
    return struct.pack("HBBI", code, jt, jf, k)


def _program(arch: int, nr_socket: int, nr_uring: int) -> bytes:
    """The BPF filter: refuse blocked socket families and io_uring, allow the rest."""
    deny = _RET_ERRNO | _EPERM
    checks = [_insn(_BPF_LD_W_ABS, 0, 0, _ARG0_LOW)]
    for i, family in enumerate(_AF_BLOCKED):
        remaining = len(_AF_BLOCKED) - i - 1
        # equal: jump over the remaining checks and the allow to the deny
        checks.append(_insn(_BPF_JEQ_K, remaining + 1, 0, family))
    checks += [_insn(_BPF_RET_K, 0, 0, _RET_ALLOW), _insn(_BPF_RET_K, 0, 0, deny)]
    head = [
        _insn(_BPF_LD_W_ABS, 0, 0, _ARCH),
        # another architecture's calling convention: its numbers mean other calls
        _insn(_BPF_JEQ_K, 1, 0, arch),
        _insn(_BPF_RET_K, 0, 0, _RET_KILL_PROCESS),
        _insn(_BPF_LD_W_ABS, 0, 0, _NR),
        _insn(_BPF_JEQ_K, 0, 1, nr_uring),
        _insn(_BPF_RET_K, 0, 0, deny),
        _insn(_BPF_JEQ_K, 1, 0, nr_socket),
        _insn(_BPF_RET_K, 0, 0, _RET_ALLOW),
    ]
    return b"".join(head + checks)


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def deny_network() -> bool:
    """Make this process (every thread, and its children) unable to open IP sockets.

    Returns:
        Whether the filter is in place.
    """
    known = _ARCHES.get(platform.machine())
    if known is None:
        logger.warning("network denial: seccomp filter not known for %s", platform.machine())
        return False
    arch, nr_socket, nr_uring, nr_seccomp = known
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    program = _program(arch, nr_socket, nr_uring)
    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = _SockFprog(len(program) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        logger.warning("network denial: no_new_privs refused (errno %d)", ctypes.get_errno())
        return False
    done = libc.syscall(
        nr_seccomp, _SECCOMP_SET_MODE_FILTER, _SECCOMP_FILTER_FLAG_TSYNC, ctypes.byref(fprog)
    )
    if done != 0:
        logger.warning("network denial: seccomp refused (errno %d)", ctypes.get_errno())
        return False
    return True
