"""Running `crm` as a person does: in a terminal (a pseudo-terminal here), so bare `crm`
opens the full-screen app. Returns the exit code and what was left on the screen after
the app gave the terminal back."""
from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time

ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[PX^_][^\x1b]*\x1b\\|[@-Z\\-_])")


def run_in_terminal(code: str, env: dict, timeout: float = 60, keys: bytes | None = None,
                    keys_after: str | None = None) -> tuple[int, list[str]]:
    """Run `python -c code` on a 120x40 pseudo-terminal. keys are typed once keys_after
    has appeared on the screen. Returns (exit code, the non-empty lines printed after
    the app left the alternate screen, escape codes removed)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=slave, stdout=slave, stderr=slave,
                            env={**env, "TERM": "xterm-256color"}, start_new_session=True)
    os.close(slave)
    out = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not chunk:
                    break
                out += chunk
                if keys and keys_after and keys_after.encode() in ANSI.sub("", out.decode("utf-8", "replace")).encode():
                    time.sleep(0.3)
                    os.write(master, keys)
                    keys = None
            elif proc.poll() is not None:
                break
        else:
            raise AssertionError(f"still running after {timeout} s: {ANSI.sub('', out.decode(errors='replace'))[-500:]}")
        code_ = proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    text = out.decode("utf-8", "replace")
    after = text.rsplit("\x1b[?1049l", 1)[-1]  # what follows the app's last screen
    lines = [line.strip() for line in ANSI.sub("", after).replace("\r", "\n").split("\n")]
    return code_, [line for line in lines if line]
