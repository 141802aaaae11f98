import { runExample } from '../run';
import { LineEchoModule } from './app';

void runExample(LineEchoModule);
