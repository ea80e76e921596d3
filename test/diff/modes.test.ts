// Differential suite: -r, -i, -g, -s and -M of this project's netstat vs /usr/bin/netstat (net-tools 2.10).
import { modeCases } from './cases/modes';
import { differentialSuite } from './suite';

differentialSuite('netstat -r/-i/-g/-s/-M match net-tools byte for byte', modeCases());
