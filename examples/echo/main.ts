import { runExample } from '../run';
import { EchoModule } from './app';

void runExample(EchoModule);
