import { runExample } from '../run';
import { ircServerModule } from './app';

void runExample(ircServerModule());
