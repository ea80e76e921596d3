// Differential suite: -r, -i, -g, -s and -M of this project's netstat vs /usr/bin/netstat (net-tools 2.10).
import { conntrackPresent, modeCases } from './cases/modes';
import { differentialSuite } from './suite';

if (conntrackPresent()) {
  console.info('[diff] conntrack is present: the -M table cases are left out (this netstat lists NAT entries there, net-tools fails)');
}

differentialSuite('netstat -r/-i/-g/-s/-M match net-tools byte for byte', modeCases());
