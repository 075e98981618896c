// Server-Sent Events on GET /collector/stream: what the demo page shows live.
//
// Why a file of its own: a stream outlives the request that opened it (it replays
// what is stored, then gets every new batch, a ping every 15 s so proxies keep it
// open, and a "clear" event), so its bookkeeping is kept apart from request handling.
//
// State lives on the collector's ctx: ctx.sseClients (and ctx.stats.streams).

const SSE_PING_MS = 15_000;

/** Replay existing records, then push new ones as they arrive. */
export function openStream(ctx, req, res) {
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.write('retry: 2000\n: connected\n\n');

  const client = {
    send(event, data, id) {
      if (res.writableEnded || res.destroyed) return;
      res.write(`${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${data}\n\n`);
    },
    close() {
      cleanup();
      if (!res.writableEnded) res.end();
    },
  };
  const ping = setInterval(() => {
    if (!res.writableEnded && !res.destroyed) res.write(': ping\n\n');
  }, SSE_PING_MS);
  ping.unref();

  let cleaned = false;
  function cleanup() {
    if (cleaned) return;
    cleaned = true;
    clearInterval(ping);
    ctx.sseClients.delete(client);
    ctx.stats.streams = ctx.sseClients.size;
  }
  res.on('close', cleanup);

  for (const record of ctx.records) client.send('batch', JSON.stringify(record), record.seq);
  ctx.sseClients.add(client);
  ctx.stats.streams = ctx.sseClients.size;
}

/** Send a newly stored batch to every open stream. */
export function broadcast(ctx, record) {
  const data = JSON.stringify(record);
  for (const client of ctx.sseClients) client.send('batch', data, record.seq);
}

/** Tell every open stream that the lists were emptied (and how much went). */
export function broadcastClear(ctx, cleared) {
  for (const client of ctx.sseClients) client.send('clear', JSON.stringify(cleared));
}

/** End every open stream (the server is closing). */
export function closeStreams(ctx) {
  for (const client of ctx.sseClients) client.close();
}
