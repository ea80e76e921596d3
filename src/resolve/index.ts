/**
 * The name databases netstat consults, bundled so one instance (one set of
 * caches) serves a whole run, across `-c` passes.
 */
import { HostResolver } from './hosts';
import { NetworkNames } from './networks';
import { ServiceNames } from './services';
import { UserNames } from './users';

export { HostResolver } from './hosts';
export { NetworkNames, inetNetwork } from './networks';
export { ServiceNames, type ServiceProtocol } from './services';
export { UserNames } from './users';

export interface Resolvers {
  hosts: HostResolver;
  networks: NetworkNames;
  services: ServiceNames;
  users: UserNames;
}

export function createResolvers(): Resolvers {
  return { hosts: new HostResolver(), networks: new NetworkNames(), services: new ServiceNames(), users: new UserNames() };
}
