// Differential suite: socket listings of this project's netstat vs /usr/bin/netstat (net-tools 2.10).
import { socketCases } from './cases/sockets';
import { differentialSuite } from './suite';

differentialSuite('netstat socket listings match net-tools byte for byte', socketCases());
