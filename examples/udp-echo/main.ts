import { runExample } from '../run';
import { UdpEchoModule } from './app';

// Try it: socat - UDP:127.0.0.1:9000
void runExample(UdpEchoModule);
