#!/usr/bin/env node
// A kiosk driving qfpos's local API: Node's standard library only.
//
// Start a sale, show its QR, (here) pay it through the sandbox's control
// API, see it paid, refund it. See docs/integration.md.
//
// Environment: QFPOS_API ("unix:/path/to/api-….sock" or
// "http://127.0.0.1:8767"), QFPOS_TOKEN_FILE (the bearer token's file),
// QFPOS_SANDBOX_URL (the sandbox, to pay as a customer would; demo only).
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';

const API = process.env.QFPOS_API;
const TOKEN = readFileSync(process.env.QFPOS_TOKEN_FILE, 'utf8').trim();

function target(path) {
  if (API.startsWith('unix:')) return { socketPath: API.slice(5), path };
  const u = new URL(API);
  return { host: u.hostname, port: u.port, path };
}

function request(method, path, { body, key, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const h = { Authorization: `Bearer ${TOKEN}`, ...headers };
    let data;
    if (body !== undefined) {
      data = JSON.stringify(body);
      h['Content-Type'] = 'application/json';
    }
    if (key) h['Idempotency-Key'] = key;
    const req = http.request({ ...target(path), method, headers: h, timeout: 120000 }, resolve);
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end(data);
  });
}

async function call(method, path, opts) {
  const res = await request(method, path, opts);
  let text = '';
  for await (const chunk of res) text += chunk;
  const json = text ? JSON.parse(text) : null;
  if (res.statusCode >= 300) throw new Error(`${method} ${path}: ${res.statusCode} ${text}`);
  return json;
}

// events yields {id, event, data} of a sale's Server-Sent Events.
async function* events(saleId, lastId) {
  const headers = { Accept: 'text/event-stream' };
  if (lastId) headers['Last-Event-ID'] = String(lastId);
  const res = await request('GET', `/v1/sales/${saleId}/events`, { headers });
  if (res.statusCode !== 200) throw new Error(`events: ${res.statusCode}`);
  res.setEncoding('utf8');
  let buf = '';
  for await (const chunk of res) {
    buf += chunk;
    let i;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const ev = {};
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const j = line.indexOf(':');
        if (j > 0) ev[line.slice(0, j)] = line.slice(j + 1).replace(/^ /, '');
      }
      if (ev.event) yield { id: Number(ev.id), event: ev.event, data: JSON.parse(ev.data || '{}') };
    }
  }
}

// sandboxPay pays as the customer would (sandbox only: its control API).
async function sandboxPay(outTradeNo) {
  const res = await fetch(`${process.env.QFPOS_SANDBOX_URL}/sandbox/control/pay`, {
    method: 'POST', body: new URLSearchParams({ out_trade_no: outTradeNo }),
  });
  if (!res.ok) throw new Error(`sandbox pay: ${res.status}`);
}

async function main() {
  console.log('health:', (await call('GET', '/v1/health')).status);
  // One key per purchase: a retry after a timeout returns the same sale.
  const purchase = `kiosk-mjs-${randomUUID()}`;
  let sale = await call('POST', '/v1/sales', { body: { amount: '8.80', goods_name: 'Milk tea', timeout: 120 }, key: purchase });
  console.log('sale', sale.id, sale.amount, sale.currency);
  let final;
  for await (const { id, event, data } of events(sale.id)) {
    console.log(`event ${id} ${event}`);
    if (event === 'qr') {
      console.log('  show this QR:', data.qrcode, 'until', data.expires_at);
      await sandboxPay(data.out_trade_no);
    } else if (['paid', 'failed', 'expired', 'cancelled'].includes(event)) {
      final = event;
      break;
    } else if (event === 'unknown') {
      // Never start a new sale for this purchase: wait for "resolved".
      console.log('  outcome unknown: waiting for it to be resolved');
    } else if (event === 'resolved') {
      final = data.state;
      break;
    }
  }
  if (final !== 'paid') {
    console.log('not paid:', final);
    return 1;
  }
  sale = await call('GET', `/v1/sales/${sale.id}`);
  console.log('paid, syssn', sale.syssn);
  const ref = await call('POST', `/v1/orders/${sale.out_trade_no}/refunds`, { body: { amount: '8.80' }, key: `${purchase}-refund` });
  console.log('refund', ref.out_trade_no, ref.amount, ref.state);
  return ref.state === 'done' ? 0 : 1;
}

main().then((code) => process.exit(code), (err) => { console.error('kiosk:', err.message); process.exit(1); });
