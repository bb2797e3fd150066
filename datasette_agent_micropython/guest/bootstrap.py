# The guest side of a session. This file runs inside MicroPython (as `-c`), never in CPython.
#
# It boots once, then serves snippets forever. The point where it waits for the next snippet,
# the "__next__" host call inside serve(), is the quiescent point (Q): no user code is running
# and the wasm call stack is _main -> serve -> fetch -> host.call on every arrival, because each
# snippet runs inside the fresh serve() frame, never in the loop frame. Snapshots rely on that.
#
# Everything the loop needs is bound to locals of _main, so user code that deletes builtins or
# patches modules cannot break it.
import host


def _main():
    import sys
    import io
    import gc
    import json

    call = host.call
    dumps = json.dumps
    loads = json.loads
    print_exception = sys.print_exception
    StringIO = io.StringIO
    run_code = exec
    collect = gc.collect
    Base = BaseException
    Memory = MemoryError

    def fetch(name, payload):
        # Replies longer than the host's fixed result buffer arrive as "\x00<count>" followed by
        # that many "__chunk__" calls. No real reply starts with a NUL.
        reply = call(name, payload)
        if reply and reply[0] == "\x00":
            parts = []
            for _ in range(int(reply[1:])):
                parts.append(call("__chunk__", ""))
            reply = "".join(parts)
        return reply

    # Booting must allocate exactly the same way in every instance, or a snapshot taken in one
    # instance could not be restored into another: the boot reply is the same for every session,
    # and randomness is seeded later, by the host's first (internal) snippet.
    boot = loads(fetch("__boot__", ""))
    try:
        import random
    except Base:
        # The first import seeds from /dev/urandom, which WASI does not give us, and fails.
        import random

    def host_function(name):
        def invoke(*args, **kwargs):
            reply = loads(fetch("fn:" + name, dumps([args, kwargs])))
            if "error" in reply:
                raise RuntimeError(reply["error"])
            return reply["value"]

        return invoke

    user_globals = {"__name__": "__main__"}
    for name in boot["functions"]:
        user_globals[name] = host_function(name)

    def serve():
        # Q is the "__next__" call below. The code arrives as raw text ("" means stop), and the
        # "__begin__" call that follows arms the snippet's fuel and deadline and names its token.
        code = fetch("__next__", "")
        if not code:
            return False
        result = {"token": call("__begin__", ""), "ok": True}
        try:
            run_code(code, user_globals)
        except Base as error:
            code = None
            if isinstance(error, Memory):
                collect()
            result["ok"] = False
            result["type"] = type(error).__name__
            result["memory"] = isinstance(error, Memory)
            buffer = StringIO()
            print_exception(error, buffer)
            result["error"] = buffer.getvalue()
        code = None
        # Top-level names, so that admins can see what a stored session holds.
        result["names"] = [name for name in user_globals if name[:2] != "__"][:200]
        call("__result__", dumps(result))
        return True

    while serve():
        pass


_main()
