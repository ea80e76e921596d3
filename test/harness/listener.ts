/** A TCP listener of the test process itself, for tests that look for a socket they know. */
import * as net from 'node:net';
import { afterAll, beforeAll } from 'vitest';

/**
 * A listener on 127.0.0.1 (an ephemeral port) for the tests of the enclosing describe:
 * open from its beforeAll to its afterAll; `port()` is its port once open.
 */
export function localListener(): { port: () => number } {
  let server: net.Server | undefined;
  let port = 0;
  beforeAll(async () => {
    const opened = net.createServer();
    await new Promise<void>((resolve) => opened.listen(0, '127.0.0.1', resolve));
    server = opened;
    port = (opened.address() as net.AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve()))));
  return { port: () => port };
}
