#!/usr/bin/env python3
"""A git fast-import stream of one commit: N files of mixed sizes in nested
directories, a few executables and symlinks, and one large blob."""
import random
import sys

files = int(sys.argv[1]) if len(sys.argv) > 1 else 50000
large_mib = int(sys.argv[2]) if len(sys.argv) > 2 else 20
rng = random.Random(1234)
out = sys.stdout.buffer
words = [b"spaces", b"docker", b"import", b"return", b"model", b"token",
         b"def", b"class", b"self", b"value", b"print", b"data", b"gradio",
         b"streamlit", b"torch", b"numpy", b"{", b"}", b"(", b")", b"\n"]


def text(size):
    parts, n = [], 0
    while n < size:
        w = rng.choice(words)
        parts.append(w)
        parts.append(b" ")
        n += len(w) + 1
    return b"".join(parts)[:size]


def size_of_file():
    r = rng.random()
    if r < 0.60:
        return rng.randint(0, 2048)       # small sources
    if r < 0.90:
        return rng.randint(2048, 16384)   # bigger sources
    if r < 0.99:
        return rng.randint(16384, 131072) # assets
    return rng.randint(131072, 1 << 20)   # a few big ones


ops = []
for i in range(files - 1):
    d = "/".join("d%02d" % rng.randint(0, 19) for _ in range(rng.randint(0, 4)))
    name = ("%s/" % d if d else "") + "f%05d.%s" % (i, rng.choice(
        ["py", "txt", "json", "css", "js", "md", "bin"]))
    size = size_of_file()
    if name.endswith(".bin"):
        data = rng.randbytes(size)
    else:
        data = text(size)
    mode = "100755" if i % 97 == 0 else "100644"
    if i % 499 == 0:
        mode, data = "120000", b"../target-%d" % i
    ops.append((mode, name, data))

# One large blob, incompressible like a model file or an archive.
ops.append(("100644", "assets/large.bin", rng.randbytes(large_mib << 20)))

out.write(b"commit refs/heads/main\n")
out.write(b"committer Bench <bench@example.com> 1700000000 +0000\n")
out.write(b"data 6\nbench\n")
for mode, name, data in ops:
    out.write(b"M %s inline %s\n" % (mode.encode(), name.encode()))
    out.write(b"data %d\n" % len(data))
    out.write(data)
    out.write(b"\n")
out.write(b"\n")
