import { runExample } from '../run';
import { RespKvModule } from './app';

void runExample(RespKvModule);
