import { createS4Client } from './connectors/s4/index.js';
const s4 = createS4Client({ kind: 'url', url: 'http://127.0.0.1:8091', username: 'TANDEM_COMM', password: 'demo-password', sapClient: '100' });
const a = await s4.createAppointment({ processType: 'ZVIS', subject: 'Visit ACME 2', start: '2026-12-01T09:00:00Z', end: '2026-12-01T10:00:00Z', timeZone: 'Europe/Berlin',
  texts: [{ textType: 'A002', text: 'Bring the offer' }], partners: [{ partnerFunction: '00000014', businessPartner: 'EMP001' }, { partnerFunction: '00000032', businessPartner: 'EMP002' }] });
console.log('created', a.uuid);
const t0 = Date.now();
for (let i = 0; i < 50; i++) {
  const r = await (await fetch('http://127.0.0.1:8090/_emulator/mailboxes/alice@demo.example/items')).json() as { items: { subject?: string }[] };
  const b = await (await fetch('http://127.0.0.1:8090/_emulator/mailboxes/bob@demo.example/items')).json() as { items: { subject?: string }[] };
  if (r.items.some((x) => x.subject === 'Visit ACME 2') && b.items.some((x) => x.subject === 'Visit ACME 2')) { console.log('in alice+bob after', Date.now() - t0, 'ms'); break; }
  await new Promise((r) => setTimeout(r, 100));
}
