/**
 * The fixed texts of net-tools `netstat` 2.10 that a drop-in must print
 * verbatim: the usage text (`-h`, and after option errors), the list of
 * routable address families (always on standard error) and the version block.
 */

/** Usage text; `-h` prints it on stdout, option errors on stderr. */
export const USAGE = [
  "usage: netstat [-vWeenNcCF] [<Af>] -r         netstat {-V|--version|-h|--help}",
  "       netstat [-vWnNcaeol] [<Socket> ...]",
  "       netstat { [-vWeenNac] -i | [-cnNe] -M | -s [-6tuw] }",
  "",
  "        -r, --route              display routing table",
  "        -i, --interfaces         display interface table",
  "        -g, --groups             display multicast group memberships",
  "        -s, --statistics         display networking statistics (like SNMP)",
  "        -M, --masquerade         display masqueraded connections",
  "",
  "        -v, --verbose            be verbose",
  "        -W, --wide               don't truncate IP addresses",
  "        -n, --numeric            don't resolve names",
  "        --numeric-hosts          don't resolve host names",
  "        --numeric-ports          don't resolve port names",
  "        --numeric-users          don't resolve user names",
  "        -N, --symbolic           resolve hardware names",
  "        -e, --extend             display other/more information",
  "        -p, --programs           display PID/Program name for sockets",
  "        -o, --timers             display timers",
  "        -c, --continuous         continuous listing",
  "",
  "        -l, --listening          display listening server sockets",
  "        -a, --all                display all sockets (default: connected)",
  "        -F, --fib                display Forwarding Information Base (default)",
  "        -C, --cache              display routing cache instead of FIB",
  "        -Z, --context            display SELinux security context for sockets",
  "",
  "  <Socket>={-t|--tcp} {-u|--udp} {-U|--udplite} {-S|--sctp} {-w|--raw}",
  "           {-x|--unix} --ax25 --ipx --netrom",
  "  <AF>=Use '-6|-4' or '-A <af>' or '--<af>'; default: inet",
  "  List of possible address families (which support routing):",
].join('\n') + '\n';

/** The routable-family list that follows the usage text, always on stderr. */
export const ROUTABLE_FAMILIES = [
  "    inet (DARPA Internet) inet6 (IPv6) ax25 (AMPR AX.25) ",
  "    netrom (AMPR NET/ROM) rose (AMPR ROSE) ipx (Novell IPX) ",
  "    ddp (Appletalk DDP) x25 (CCITT X.25) ",
].join('\n') + '\n';

/** `-V` / `--version` (note the trailing blank on the HW line). */
export const VERSION = [
  "net-tools 2.10",
  "Fred Baumgarten, Alan Cox, Bernd Eckenfels, Phil Blundell, Tuan Hoang, Brian Micek and others",
  "+NEW_ADDRT +RTF_IRTT +RTF_REJECT +FW_MASQUERADE +I18N +SELINUX",
  "AF: (inet) +UNIX +INET +INET6 +IPX +AX25 +NETROM +X25 +ATALK +ECONET +ROSE -BLUETOOTH",
  "HW:  +ETHER +ARC +SLIP +PPP +TUNNEL -TR +AX25 +NETROM +X25 +FR +ROSE +ASH +SIT +FDDI +HIPPI +HDLC/LAPB +EUI64 ",
].join('\n') + '\n';
