import express from 'express';

/**
 * The benchmark's yardstick: an Express handler that parses the same body with the same limits
 * and answers 202 without storing anything. Durable ingestion is measured as a ratio of this.
 */
const app = express();
app.disable('x-powered-by');
app.post('/s4/events', express.json({ type: () => true, limit: '1mb', strict: false }), (_req, res) => {
  res.status(202).json({ accepted: 1, duplicates: 0 });
});
app.post('/ews/notifications/:token', express.text({ type: () => true, limit: '1mb' }), (_req, res) => {
  res.status(202).json({ accepted: 1, duplicates: 0 });
});
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as { port: number }).port}\n`);
});
