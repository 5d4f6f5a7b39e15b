"""An office's uploaded template is tried in a child process with a wall-clock and address-space limit:
Jinja's sandbox keeps a template away from Python, but not from a loop of loops or an enormous string,
which in the web process would hold a thread and its memory. A template over either limit is refused
(400) with a Chinese reason, like any other bad template; the web process never runs it."""

from __future__ import annotations

import logging

from forms.errors import BadInput, GradedeskError

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 30.0
MEMORY_BYTES = 1024 * 2**20


def _child(kind: str, data: bytes, memory: int, conn) -> None:
    import io
    import resource
    import traceback

    try:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (memory if hard == resource.RLIM_INFINITY else min(memory, hard), hard))
        from generators import kinds

        kinds.get(kind).check_uploaded_template(io.BytesIO(data))
        outcome = ("ok",)
    except GradedeskError as exc:
        outcome = ("refused", exc.user_message, exc.log_message)
    except MemoryError:
        outcome = ("refused", "模板渲染时超出内存上限（可能含有过大的循环或文本），已拒绝使用。", "template: out of memory")
    except BaseException:
        outcome = ("crashed", traceback.format_exc())
    conn.send(outcome)
    conn.close()


def check_template(kind: str, data: bytes, *, timeout: float = TIMEOUT_SECONDS, memory: int = MEMORY_BYTES) -> None:
    """Render the kind's example data with the template `data` in a limited child; BadInput when refused."""
    import multiprocessing

    context = multiprocessing.get_context("forkserver")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(kind, data, memory, sender), daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(timeout):
            raise BadInput(f"模板在 {timeout:.0f} 秒内未能渲染完成（可能含有过大的循环），已拒绝使用。",
                           f"template for {kind}: not rendered within {timeout:.0f} s")
        try:
            outcome = receiver.recv()
        except (EOFError, OSError) as exc:
            raise BadInput("模板渲染时处理进程意外退出（可能超出内存上限），已拒绝使用。",
                           f"template for {kind}: checker exited") from exc
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join(5)
    if outcome[0] == "refused":
        raise BadInput(outcome[1], outcome[2])
    if outcome[0] == "crashed":
        log.error("template for %s: the check failed:\n%s", kind, outcome[1])
        raise BadInput("模板无法使用：渲染时出错。", f"template for {kind}: check crashed")
