# A tree process takes over a trusted curl (issue 15, class 6): it starts `curl GET` to production
# (trusted with production once its exec is verified), waits until it is connected, then tries to
# take its sockets (pidfd_getfd), attach to it (PTRACE_ATTACH) and open its memory (/proc/PID/mem).
# Prints one line per way: "getfd refused ERRNO" or "getfd ok ...". usage: take-over.py URL
import ctypes, subprocess, sys, time
libc = ctypes.CDLL(None, use_errno=True)
curl = subprocess.Popen(["curl", "-s", "-o", "/dev/null", "-m", "20", sys.argv[1]])
time.sleep(1.5)
pid = curl.pid
pidfd = libc.syscall(434, pid, 0)  # pidfd_open
if pidfd < 0:
    print("pidfd_open failed", ctypes.get_errno()); sys.exit(2)
got = [libc.syscall(438, pidfd, fd, 0) for fd in range(3, 8)]  # pidfd_getfd
print("getfd", "ok" if any(g >= 0 for g in got) else "refused", ctypes.get_errno())
r = libc.ptrace(16, pid, 0, 0)  # PTRACE_ATTACH
print("attach", "ok" if r == 0 else "refused", ctypes.get_errno())
try:
    open(f"/proc/{pid}/mem", "rb").close()
    print("mem ok")
except OSError as e:
    print("mem refused", e.errno)
curl.kill()
curl.wait()
