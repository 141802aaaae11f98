import 'reflect-metadata';
import { runClient } from './client';

// Talks to the echo example: HOST (default 127.0.0.1) and PORT (default 8000).
void runClient({
  host: process.env.HOST ?? '127.0.0.1',
  port: Number(process.env.PORT ?? 8000),
  input: process.stdin,
  output: process.stdout,
}).then((code) => process.exit(code));
