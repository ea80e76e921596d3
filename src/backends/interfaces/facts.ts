/**
 * What `netstat -i` needs to know about each interface besides its
 * `/proc/net/dev` counters (spec §4.1): the one interface every source of
 * interface facts implements — rtnetlink dumps (rtnetlink.ts), SIOCGIF*
 * ioctls (ioctl.ts), sysfs and getifaddrs (sysfs.ts) — and choose.ts picks.
 * net-tools asks the kernel with ioctls; the facts below are what it keeps.
 */

/** The device map SIOCGIFMAP reports. */
export interface DeviceMap {
  memStart: bigint;
  memEnd: bigint;
  baseAddr: number;
  irq: number;
  dma: number;
  /** dev->if_port: the medium (`media` line of `-ie` with IFF_PORTSEL). */
  port: number;
}

export interface LinkInfo {
  /** The 16-bit interface flags as SIOCGIFFLAGS reports them (IFF_UP = 0x1 …). */
  flags: number;
  mtu: number;
  /** ARPHRD_* hardware type. */
  type: number;
  /** The first 8 bytes of the hardware address, zero-padded (what net-tools keeps). */
  hwAddress: number[];
  /** null when unknown (net-tools then omits `txqueuelen`). */
  txQueueLen: number | null;
  map: DeviceMap;
}

/** One IPv4 address as the SIOCGIF*ADDR ioctls would give it for its label. */
export interface Ipv4Address {
  /** The address label: the device name, or an alias such as `lo:1`. */
  label: string;
  address: string;
  netmask: string;
  /** null when the source cannot know it (then not printed). */
  broadcast: string | null;
  /** Point-to-point peer; null when the source cannot know it. */
  destination: string | null;
}

/** Link facts for a device name (no alias part), or null if there is no such device. */
export type LinkSource = (device: string) => LinkInfo | null;

/** Every IPv4 address, in the kernel's order (per device: primary first). */
export type Ipv4AddressSource = () => Ipv4Address[];

/** Where one pass's facts came from, for `--sources` (as backends/choose.ts records a socket table's). */
export interface InterfaceSourceNote {
  backend: 'rtnetlink' | 'ioctl' | 'sysfs';
  reason: string;
  /** The error code that caused a fallback, when one did. */
  code?: string;
}

/** What one `-i` pass knows: link facts by device name, and the IPv4 addresses with their labels. */
export interface InterfaceFacts {
  link: LinkSource;
  ipv4: Ipv4Address[];
  /** Set by the chooser (choose.ts). */
  source?: InterfaceSourceNote;
}

/**
 * Gathers the facts afresh; called once per pass with the device names of
 * `/proc/net/dev` (a source that cannot list devices itself — ioctls — asks
 * about those).
 */
export type InterfaceFactsSource = (devices: readonly string[]) => InterfaceFacts;
