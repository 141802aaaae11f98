import { runExample } from '../run';
import { ChatModule } from './app';

void runExample(ChatModule);
