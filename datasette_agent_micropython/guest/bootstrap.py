# The guest side of a session. This file runs inside MicroPython, never in CPython: the boot
# program (guest_library.boot_program) imports its bytecode, then calls _main at its own top
# level, so that the import's C frames are gone before user code runs (they would cost about
# eight Python frames of recursion depth).
#
# It boots once, then serves snippets forever. The point where it waits for the next snippet,
# the "__next__" host call in the loop of _main, is the quiescent point (Q). No user code is
# running there, and the only interpreter frames alive are the module's and _main's, both made
# while booting, which allocates the same way in every instance. Each snippet runs inside the
# helper execute(), never in the loop frame: a helper's frame lives on the GC heap at an address
# that depends on the user's data, and the loop frame must not catch exceptions. Snapshots rely
# on all of this: the wasm call stack at Q is identical on every arrival after the first.
#
# Everything the loop needs is bound to locals of _main, so user code that deletes builtins or
# patches modules cannot break it.
import host

# MicroPython's `__import__` resolves a relative import against the globals of the function
# running it. Through import_hook below that is this module, so it takes the name user code
# runs under: `from . import x` then fails there exactly as it does without the hook.
__name__ = "__main__"


def _main():
    import gc
    import io
    import json
    import sys

    call = host.call
    dumps = json.dumps
    loads = json.loads
    print_exception = sys.print_exception
    StringIO = io.StringIO
    run_code = exec
    collect = gc.collect
    Base = BaseException
    Memory = MemoryError
    is_a = isinstance
    type_of = type
    to_int = int
    Text = str
    size_of = len
    count_to = range
    TRACEBACK_BUFFER = 32768

    # The built-in random, imported before /lib is on sys.path so that /lib/random.py (its
    # extension) is not loaded at boot. The first import seeds from /dev/urandom, which WASI does
    # not give us, and fails; the host's seeding snippet imports it again as "urandom", a name
    # that always means the built-in, whose generator state /lib/random.py shares.
    try:
        import random
    except Base:
        import random
    load_module = __import__

    # The guest standard library (a read-only mount of the package's guest/lib) comes first, so
    # that its modules also extend MicroPython's extensible built-ins (re, json, collections...).
    sys.path[:] = ["/lib", ".frozen"]

    # `math` is not extensible: MicroPython returns the built-in before it looks at sys.path. So
    # the first `import math` loads /lib/_math.py (the built-in plus comb, fsum, isqrt...), which
    # registers itself as sys.modules["math"], where every later import finds it first.
    import builtins

    builtin_import = builtins.__import__
    modules = sys.modules

    def import_hook(name, globals=None, locals=None, fromlist=None, level=0):
        if name == "math" and not level and "math" not in modules and "_math" not in modules:
            builtin_import("_math")
        return builtin_import(name, globals, locals, fromlist, level)

    builtins.__import__ = import_hook

    def whole(reply):
        # Replies longer than the host's fixed result buffer arrive as "\x00<count>" followed by
        # that many "__chunk__" calls. No real reply starts with a NUL.
        if reply and reply[0] == "\x00":
            parts = []
            for _ in count_to(to_int(reply[1:])):
                parts.append(call("__chunk__", ""))
            reply = "".join(parts)
        return reply

    def fetch(name, payload):
        return whole(call(name, payload))

    # Booting must allocate exactly the same way in every instance, or a snapshot taken in one
    # instance could not be restored into another: the boot reply is the same for every session,
    # and randomness is seeded later, by the host's first (internal) snippet.
    boot = loads(fetch("__boot__", ""))

    refusals = {"TypeError": TypeError, "ValueError": ValueError}
    float_repr = repr

    def plain(value):
        # What the host reads back (runtime._decode_guest_object). The C encoder writes a dict
        # subclass (the ordered dicts of user code) by its repr and a JSON object would lose their
        # order, so a dict goes as its pairs; JSON has no NaN or infinity, so they go as their repr.
        if is_a(value, dict):
            return {"\x00pairs": [[plain(k), plain(value[k])] for k in value]}
        if is_a(value, (list, tuple)):
            return [plain(v) for v in value]
        if is_a(value, float) and value - value != 0:
            return {"\x00float": float_repr(value)}
        return value

    def host_function(name):
        def invoke(*args, **kwargs):
            reply = loads(fetch("fn:" + name, dumps([plain(args), plain(kwargs)])))
            if "error" in reply:
                raise refusals.get(reply.get("raise"), RuntimeError)(reply["error"])
            value = reply["value"]
            if is_a(value, dict):
                # Dicts in the host's order, rows in column order (guest/lib/_host_reply.py).
                from _host_reply import ordered

                value = ordered(value)
            return value

        return invoke

    user_globals = {"__name__": "__main__"}
    for name in boot["functions"]:
        user_globals[name] = host_function(name)

    # Heap held back while user code runs, and let go when it runs out of memory, so that the
    # error can still be reported (and the next snippet received) when the user's data fills it.
    reserve = bytearray(boot["reserve"])

    helpers = None
    # The keys of user_globals when the host was last sent the names (None: never), and a list
    # that is refilled with the current keys on every call. Both lists are kept and swapped, never
    # rebuilt: after a collection, a fresh allocation the size of the globals costs a search of
    # the heap that grows with the user's data (millions of instructions at 2 MB).
    names_sent = None
    current_keys = []
    MAX_NAMES = 200

    def changed_names():
        # Top-level names, so that admins can see what a stored session holds, and transform.py
        # knows what the user has bound: sent only when the keys changed since they were last
        # sent, since building and encoding them cost about 20k instructions a global a call.
        # Refilling the list and comparing it is C work; equal lists mean the same keys in the
        # same order. The host keeps the names it has when none come.
        nonlocal names_sent, current_keys
        del current_keys[:]
        current_keys.extend(user_globals)
        if current_keys == names_sent:
            return None
        names = []
        for name in current_keys:
            if is_a(name, Text) and not name.startswith("__"):
                names.append(name)
                if size_of(names) == MAX_NAMES:
                    break
        if names_sent is None:
            names_sent = []
        names_sent, current_keys = current_keys, names_sent
        return names

    get_attribute = getattr

    def in_own_words(error, traceback):
        # MicroPython's traceback ends with the exception's args even when its class has a
        # __str__ of its own (decimal's, or the user's); CPython's ends with str(error). That end
        # (after the last "File" line) is written again from str(error) when the class has one.
        kind = type_of(error)
        if get_attribute(kind, "__str__", None) is None:
            return traceback
        try:
            words = Text(error)
        except Base:
            return traceback
        if not is_a(words, Text):
            return traceback  # MicroPython's str() lets a __str__ return anything
        last_frame = traceback.rfind('\n  File "')
        end = traceback.find("\n", last_frame + 1) + 1 if last_frame >= 0 else 0
        if not end:
            return traceback
        return traceback[:end] + kind.__name__ + (": " + words if words else "") + "\n"

    def execute(code):
        nonlocal reserve, helpers
        if reserve is None:
            try:
                reserve = bytearray(boot["reserve"])
            except Base:
                pass
        helpers_error = None
        if code[:1] == "\x01":
            # User code. The helpers that rewritten code calls through `__cp` are loaded before
            # the first snippet, on fuel the host grants apart from the snippet's.
            code = code[1:]
            if helpers is None:
                try:
                    helpers = load_module("_cpython")
                except Base as error:
                    helpers_error = error
        # The "__begin__" call arms the snippet's fuel and deadline and names its token.
        result = {"token": call("__begin__", ""), "ok": True}
        try:
            if helpers_error is not None:
                raise helpers_error
            if helpers is not None:
                user_globals["__cp"] = helpers
            run_code(code, user_globals)
        except Base as error:
            code = None
            if is_a(error, Memory):
                reserve = None
                collect()
            result["ok"] = False
            result["type"] = type_of(error).__name__
            result["memory"] = is_a(error, Memory)
            # A traceback hundreds of frames deep must not eat the user's fuel: printing into a
            # StringIO that grows as it goes, and JSON-encoding the text, both cost fuel
            # quadratic in its length. So the buffer starts big, and the text travels raw.
            try:
                buffer = StringIO(TRACEBACK_BUFFER)
            except Memory:
                buffer = StringIO()
            print_exception(error, buffer)
            try:
                call("__error__", in_own_words(error, buffer.getvalue()))
            except Base:
                pass  # longer than the host accepts: the result below says so
            buffer = None
        code = None
        try:
            names = changed_names()
        except Base:
            names = None  # no memory left for them: the host keeps the last ones, the next call retries
        if names is not None:
            result["names"] = names
        call("__result__", dumps(result))

    while True:
        code = call("__next__", "")  # Q. The code arrives as raw text; "" means stop.
        code = whole(code)
        if not code:
            break
        execute(code)
        code = None
