# A tree process takes over a connected tmux client (issue 11, KNOWN-GAPS 5b): it starts
# `tmux -L SERVER wait-for CHANNEL` (judged at its exec: it sends nothing but the wait, and stays
# connected), waits until it is connected, then takes its socket (pidfd_getfd) and writes a tmux
# MSG_COMMAND into it: `send-keys -t pane KEYS Enter`, which the outside server runs as the
# client's. Also tries PTRACE_ATTACH and /proc/PID/mem. One line per way: "getfd sent N" or
# "getfd refused ERRNO", "attach ok|refused ERRNO", "mem ok|refused ERRNO", then "waited" when
# the client's own wait ended as it should.
# usage: tmux-take-over.py TMUX SERVER KEYS
import ctypes, os, socket, struct, subprocess, sys, time
libc = ctypes.CDLL(None, use_errno=True)
tmux, server, keys = sys.argv[1:4]
client = subprocess.Popen([tmux, "-L", server, "wait-for", "agentshell-take-over"])
time.sleep(1.5)
pid = client.pid
pidfd = libc.syscall(434, pid, 0)  # pidfd_open
if pidfd < 0:
    print("pidfd_open failed", ctypes.get_errno()); sys.exit(2)
sent, err = 0, 0
argv = sys.argv[4:] or ["send-keys", "-t", "pane", keys, "Enter"]
packed = b"".join(a.encode() + b"\0" for a in argv)
data = struct.pack("=i", len(argv)) + packed
# struct imsg_hdr: type, len, flags, peerid (PROTOCOL_VERSION 8), pid; MSG_COMMAND is 200.
msg = struct.pack("=IHHII", 200, 16 + len(data), 0, 8, 0xffffffff) + data
for fd in range(3, 12):
    got = libc.syscall(438, pidfd, fd, 0)  # pidfd_getfd
    if got < 0:
        err = ctypes.get_errno(); continue
    try:
        s = socket.socket(fileno=got)
        if s.family == socket.AF_UNIX:
            s.send(msg); sent += 1
        s.detach()
    except OSError:
        pass
    os.close(got)
r = libc.ptrace(16, pid, 0, 0)  # PTRACE_ATTACH
print("attach", "ok" if r == 0 else "refused", ctypes.get_errno())
if r == 0:
    os.waitpid(pid, 0x40000000)  # __WALL: its stop
    libc.ptrace(17, pid, 0, 0)  # PTRACE_DETACH
try:
    open(f"/proc/{pid}/mem", "r+b").close()
    print("mem ok")
except OSError as e:
    print("mem refused", e.errno)
print("getfd", f"sent {sent}" if sent else f"refused {err}", flush=True)
# The wait blocks the client's queue: its end lets the command written behind it run.
subprocess.run([tmux, "-L", server, "wait-for", "-S", "agentshell-take-over"])
try:
    print("waited" if client.wait(5) == 0 else "wait failed")
except subprocess.TimeoutExpired:
    print("wait failed"); client.kill(); client.wait()
