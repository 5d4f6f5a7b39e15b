"""Drive one headless LibreOffice over UNO, in a process of its own.

Run with a Python that has Debian's `uno` module (python3-uno), never inside the
service's own process: importing `uno` replaces `builtins.__import__` for the whole
interpreter. This script uses only the standard library and `uno`.

Protocol on stdin/stdout, one JSON object a line:
  ← {"ready": true}                           once LibreOffice accepts the connection
  → {"source": "/a.docx", "target": "/a.pdf"}  ← {"ok": true} or {"error": "…"}
  → {"quit": true}                             LibreOffice is closed and the script ends
"""

import argparse
import contextlib
import json
import subprocess
import sys
import time
import uuid

import uno  # Debian's python3-uno


def props(**values):
    out = []
    for name, value in values.items():
        prop = uno.createUnoStruct("com.sun.star.beans.PropertyValue")
        prop.Name, prop.Value = name, value
        out.append(prop)
    return tuple(out)


def asian_layout(document):
    """No punctuation hanging past the margin and no extra Chinese/Latin spacing: the Word settings
    `overflowPunct`/`autoSpaceDE` of our templates, which LibreOffice's import drops."""
    try:
        styles = document.StyleFamilies.getByName("ParagraphStyles")
    except Exception:
        return
    for name in styles.ElementNames:
        try:
            style = styles.getByName(name)
            style.ParaIsHangingPunctuation = False
            style.ParaIsCharacterDistance = False
        except Exception:
            continue


def start(soffice, profile_uri, timeout):
    pipe = f"gradedesk-{uuid.uuid4().hex[:12]}"
    process = subprocess.Popen(
        [soffice, "--headless", "--invisible", "--nologo", "--norestore", "--nodefault", "--nolockcheck",
         "--nofirststartwizard", f"-env:UserInstallation={profile_uri}",
         f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + timeout
    while True:
        try:
            ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            break
        except Exception as exc:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise SystemExit(f"soffice did not start: {exc!r}") from exc
            time.sleep(0.1)
    return process, ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)


def convert(desktop, source, target):
    document = desktop.loadComponentFromURL(uno.systemPathToFileUrl(source), "_blank", 0,
                                            props(Hidden=True, ReadOnly=True))
    if document is None:
        raise RuntimeError(f"LibreOffice could not open {source}")
    try:
        asian_layout(document)
        filter_data = uno.Any("[]com.sun.star.beans.PropertyValue",
                              props(UseTaggedPDF=False, ExportNotes=False, EmbedStandardFonts=True))
        document.storeToURL(uno.systemPathToFileUrl(target),
                            props(FilterName="writer_pdf_Export", FilterData=filter_data))
    finally:
        with contextlib.suppress(Exception):
            document.close(True)


def reply(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--soffice", required=True)
    parser.add_argument("--profile", required=True, help="file:// URI of this converter's own profile")
    parser.add_argument("--start-timeout", type=float, default=60.0)
    args = parser.parse_args()
    process, desktop = start(args.soffice, args.profile, args.start_timeout)
    reply({"ready": True})
    try:
        for line in sys.stdin:
            request = json.loads(line)
            if request.get("quit"):
                break
            try:
                convert(desktop, request["source"], request["target"])
                reply({"ok": True})
            except Exception as exc:
                reply({"error": f"{type(exc).__name__}: {exc}"})
    finally:
        with contextlib.suppress(Exception):
            desktop.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


if __name__ == "__main__":
    main()
