"""Time commands run with a file on stdin, interleaved round-robin so a busy machine weighs on all alike; prints JSON."""
import json
import os
import resource
import statistics
import subprocess
import sys
import time


def main():
    runs = int(sys.argv[1])
    jobs = [arg.split("\t") for arg in sys.argv[2:]]  # name, cwd, stdin file, program
    env = dict(os.environ, GIT_DIR=".")
    wall = {name: [] for name, *_ in jobs}
    cpu = {name: [] for name, *_ in jobs}
    for i in range(runs + 3):
        for name, cwd, stdin, program in jobs:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            with open(stdin, "rb") as f:
                start = time.perf_counter()
                subprocess.run([program], stdin=f, cwd=cwd, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               check=True)
                took = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if i >= 3:  # warm-up runs are not counted
                wall[name].append(took * 1000)
                cpu[name].append((after.ru_utime - before.ru_utime +
                                  after.ru_stime - before.ru_stime) * 1000)
    json.dump({name: {"median": statistics.median(wall[name]),
                      "mean": statistics.mean(wall[name]),
                      "cpu": statistics.mean(cpu[name])} for name in wall},
              sys.stdout)


main()
