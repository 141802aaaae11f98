import { runExample } from '../run';
import { ChatModule } from './app';

// REDIS_URL=redis://host:port: one room across every process sharing that Redis.
void runExample(ChatModule.configure({ redisUrl: process.env.REDIS_URL || undefined }));
