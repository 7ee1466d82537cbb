"""What the kernel probes of test/syscalls share: two (or more) fresh network
namespaces, entering one from Python (setns), a call's outcome as the JSON
fixtures record it ("ok", its value, or the errno's name), and the end of a
run (the kernel's release and the JSON on stdout; the namespaces deleted).
Imported by ipv6-options-probe.py, ping-socket-probe.py,
ipv6-sticky-probe.py and ipv6-flowlabel-probe.py (run as root).
"""
import ctypes, errno, json, os, subprocess, sys

def sh(cmd):
    """Runs a shell command; a failure stops the probe."""
    subprocess.run(cmd, shell=True, check=True)

def fresh(*namespaces):
    """Deletes and re-creates each namespace, its loopback up."""
    for ns in namespaces:
        subprocess.run(f"ip netns del {ns}", shell=True, stderr=subprocess.DEVNULL)
        sh(f"ip netns add {ns}")
        sh(f"ip -n {ns} link set lo up")

def enter(ns):
    """Moves this process into the namespace (setns CLONE_NEWNET)."""
    fd = os.open(f"/run/netns/{ns}", os.O_RDONLY)
    if ctypes.CDLL(None, use_errno=True).setns(fd, 0x40000000) != 0:
        raise OSError(ctypes.get_errno(), "setns")
    os.close(fd)

def errname(e):
    """An exception as the fixtures record it: the errno's name, else its repr."""
    return errno.errorcode.get(e.errno, str(e.errno)) if isinstance(e, OSError) and e.errno else repr(e)

def outcome(f):
    """Calls f: "ok" when it returns None, its value otherwise, the errno's name when it raises OSError."""
    try:
        r = f()
        return "ok" if r is None else r
    except OSError as e:
        return errname(e)

def report(out):
    """Adds the kernel's release and prints the JSON fixture on stdout."""
    out["kernel"] = os.uname().release
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    print()

def delete(*namespaces):
    """Deletes the namespaces (in a `finally`, so a failed probe leaves none)."""
    for ns in namespaces:
        subprocess.run(["ip", "netns", "del", ns])
