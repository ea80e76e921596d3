"""Network and file environment of the differential test namespace.

Must run as root inside a fresh `unshare --net --mount --pid --fork --mount-proc` namespace:
it changes links, addresses, routes and mounts, all private to that namespace.

What it builds (kept in one place so the expected netstat output can be reasoned about):
- `lo` up, with a second IPv4 address labelled `lo:1` and two long IPv6 addresses;
- `vx0`, one end of a veth pair whose peer `vx1` stays down: the link is up but has no carrier,
  so it carries addresses, routes and multicast groups without ever sending a packet (its
  counters stay still);
- `veth-longname15` (15 characters, the longest name Linux allows), up, without carrier,
  with a route through it; its peer `vlong-peer` stays down;
- `tun7`, a point-to-point tun device with no reader, and `ifb-down`, a device left down;
- routes of every kind netstat -r distinguishes (see `ROUTES`);
- a sysfs of the namespace on /sys (the inherited one shows the host's devices);
- a private tmpfs on /tmp/netstat-diff (the scenario's UNIX socket paths; only an empty
  directory is left on the host), private /etc/hosts and /etc/networks (fixtures/hosts/) and a
  resolv.conf that points at a local address nobody listens on, so DNS look-ups fail at once
  (ICMP port unreachable) instead of waiting.
"""
import os
import subprocess

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HOSTS_DIR = os.path.join(REPO, "fixtures", "hosts")
SCRATCH = "/tmp/netstat-diff"

LINKS = [
    # Fixed MAC addresses so that `-ie` output looks the same on every run.
    "link set lo up",
    "link add vx0 address 02:00:5e:00:00:01 type veth peer name vx1 address 02:00:5e:00:00:02",
    "link set vx0 mtu 1480",
    "link set vx0 up",
    "link add veth-longname15 address 02:00:5e:00:00:03 type veth peer name vlong-peer address 02:00:5e:00:00:04",
    "link set veth-longname15 up",
    "tuntap add mode tun name tun7",
    "link set tun7 up",
    "link add ifb-down type ifb",
]

ADDRESSES = [
    "addr add 127.0.1.1/8 dev lo label lo:1",
    "-6 addr add 2001:db8:1234:5678:9abc:def0:1234:5678/128 dev lo nodad",
    "-6 addr add 2001:db8:aaaa:bbbb:cccc:dddd:eeee:1/128 dev lo nodad",
    "addr add 198.51.100.1/24 broadcast 198.51.100.255 dev vx0",
    "addr add 198.51.100.2/24 dev vx0 label vx0:web",
    "-6 addr add 2001:db8:1::1/64 dev vx0 nodad",
    "addr add 10.40.0.1/16 dev veth-longname15",
    "addr add 10.7.7.1 peer 10.7.7.2 dev tun7",
]

ROUTES = [
    # IPv4: default gateway (onlink because vx0 has no carrier), gateway route with a metric,
    # host route, routes with MTU/window/irtt, a huge metric (prints negative), a network
    # with a name and one with a long name, reject routes of the three kinds.
    "route add default via 198.51.100.254 dev vx0 onlink",
    "route add 203.0.113.0/24 via 198.51.100.7 dev vx0 metric 5 onlink",
    "route add 203.0.113.77/32 dev vx0",
    "route add 10.20.0.0/16 via 198.51.100.9 dev vx0 mtu 1400 window 5000 rtt 3 onlink",
    "route add 10.30.0.0/16 dev vx0 metric 4000000000",
    "route add 169.254.0.0/16 dev vx0 scope link metric 1000",
    "route add 10.41.0.0/16 via 10.40.0.254 dev veth-longname15 onlink",
    "route add unreachable 192.0.2.128/25",
    "route add prohibit 192.0.2.64/26 metric 7",
    "route add blackhole 192.0.2.32/27",
    # IPv6: default and prefix routes with next hops, a metric, a host route, a reject route.
    "-6 route add default via 2001:db8:1::fe dev vx0 onlink",
    "-6 route add 2001:db8:2::/48 via 2001:db8:1::fe dev vx0 onlink",
    "-6 route add 2001:db8:3::/64 via 2001:db8:1::fd dev vx0 metric 2048 onlink",
    "-6 route add 2001:db8:4::1/128 dev vx0",
    "-6 route add unreachable 2001:db8:dead::/48",
]


def ip(command):
    subprocess.run(["ip"] + command.split(), check=True)


def setup_network():
    for command in LINKS + ADDRESSES + ROUTES:
        ip(command)


def bind_mount(source, target):
    subprocess.run(["mount", "--bind", source, target], check=True)


def mount_sysfs():
    """A sysfs of this network namespace, as `ip netns exec` mounts one: sysfs shows the network
    devices of the namespace that mounted it, so the inherited /sys would list the host's."""
    subprocess.run(["mount", "-t", "sysfs", "sysfs", "/sys"], check=True)


def setup_files():
    """Private scratch directory, hosts, networks and resolv.conf (mount namespace only).
    Only the scratch directory gets a tmpfs, not all of /tmp: a candidate may live there."""
    os.makedirs(SCRATCH, mode=0o755, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=755", "netstat-diff", SCRATCH], check=True)
    resolv = os.path.join(SCRATCH, "resolv.conf")
    with open(resolv, "w") as f:
        # Nothing listens on 127.0.0.253:53, so every DNS query is refused at once.
        f.write("nameserver 127.0.0.253\noptions timeout:1 attempts:1\n")
    os.chmod(resolv, 0o644)
    bind_mount(os.path.join(HOSTS_DIR, "hosts"), "/etc/hosts")
    bind_mount(os.path.join(HOSTS_DIR, "networks"), "/etc/networks")
    bind_mount(resolv, "/etc/resolv.conf")


def setup():
    if os.geteuid() != 0:
        raise SystemExit("environment.py must run as root inside a private namespace")
    setup_files()
    setup_network()
    mount_sysfs()


if __name__ == "__main__":
    setup()
