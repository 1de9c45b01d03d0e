// A resident writing to the local stack over the signed webhook, as WhatsApp would (the local
// app secret signs each body; media is registered in the fake Graph API first). Replies are read
// from the fake Graph API's outbox. Shapes as in tests/src/payloads.rs.
import { createHmac, createHash } from 'node:crypto';

const APP_SECRET = process.env.WHATSAPP_APP_SECRET ?? 'local-app-secret';
let counter = 0;

function envelope(from, message) {
  return JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [{
      id: '310000000000001',
      changes: [{
        field: 'messages',
        value: {
          messaging_product: 'whatsapp',
          metadata: { display_phone_number: '6282100000001', phone_number_id: '420000000000001' },
          contacts: [{ profile: { name: 'Warga Uji' }, wa_id: from }],
          messages: [message],
        },
      }],
    }],
  });
}

/** A small but real JPEG (SOI, APP0, EOI markers), distinct per `n`. */
export function jpeg(n) {
  const head = [0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00];
  const id = [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
  return Buffer.from([...head, ...id, ...new Array(256).fill(0x42), 0xff, 0xd9]);
}

export class Resident {
  constructor(base, phone) {
    this.base = base;
    this.phone = phone;
  }

  base_message(type) {
    counter += 1;
    return {
      from: this.phone,
      id: `wamid.E2E${process.pid}.${Date.now()}.${counter}`,
      timestamp: String(Math.floor(Date.now() / 1000)),
      type,
    };
  }

  async outbox() {
    const r = await fetch(`${this.base}/_local/outbox`);
    return (await r.json()).filter((m) => m.to === this.phone);
  }

  /** Posts one message; returns the texts of the replies it produced. Consents when asked. */
  async post(message) {
    const before = (await this.outbox()).length;
    const body = envelope(this.phone, message);
    const sig = createHmac('sha256', APP_SECRET).update(body).digest('hex');
    const r = await fetch(`${this.base}/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${sig}` },
      body,
    });
    if (r.status !== 200) throw new Error(`webhook answered ${r.status}: ${await r.text()}`);
    const sent = (await this.outbox()).slice(before);
    const texts = sent.map(replyText);
    const consent = sent
      .flatMap((m) => m.body?.interactive?.action?.buttons ?? [])
      .map((b) => b.reply?.id)
      .find((id) => id?.startsWith('consent:'));
    if (consent) texts.push(...(await this.press(consent)));
    return texts;
  }

  text(body) {
    const m = this.base_message('text');
    m.text = { body };
    return this.post(m);
  }

  choose(id) {
    const m = this.base_message('interactive');
    m.interactive = { type: 'list_reply', list_reply: { id, title: id } };
    return this.post(m);
  }

  press(id) {
    const m = this.base_message('interactive');
    m.interactive = { type: 'button_reply', button_reply: { id, title: id } };
    return this.post(m);
  }

  /** Taps the button titled `title` in the last interactive message sent to this resident. */
  async pressTitled(title) {
    const buttons = (await this.outbox())
      .flatMap((m) => m.body?.interactive?.action?.buttons ?? [])
      .filter((b) => b.reply?.title === title);
    const last = buttons.at(-1);
    if (!last) throw new Error(`no button titled ${title}`);
    return this.press(last.reply.id);
  }

  async photo(n) {
    const bytes = jpeg(n);
    const r = await fetch(`${this.base}/_local/media`, {
      method: 'POST',
      headers: { 'content-type': 'image/jpeg' },
      body: bytes,
    });
    const { id } = await r.json();
    const m = this.base_message('image');
    m.image = { id, mime_type: 'image/jpeg', sha256: createHash('sha256').update(bytes).digest('base64') };
    return this.post(m);
  }
}

/** What a resident reads in one outbound message. */
export function replyText(m) {
  const b = m.body ?? {};
  if (b.text?.body) return b.text.body;
  if (b.interactive?.body?.text) return b.interactive.body.text;
  if (b.template?.name) {
    const params = (b.template.components ?? [])
      .filter((c) => String(c.type).toLowerCase() === 'body')
      .flatMap((c) => c.parameters ?? [])
      .map((p) => p.text);
    return [b.template.name, ...params].join('\n');
  }
  if (b.document) return `document:${b.document.filename ?? ''}`;
  return '';
}

/**
 * A birth registration (AKTA_LAHIR) up to submission, with every scan: returns the ticket.
 * `kecamatan` is the applicant's (e.g. 170804), `nik` a NIK of the regency.
 */
export async function submitBirth(resident, { name, nik, kecamatan, child, born = '01-11-2026', photos = 3 }) {
  await resident.text('menu');
  await resident.choose('svc:BIRTH');
  await resident.text(name);
  await resident.text(nik);
  await resident.choose(`kec:${kecamatan}`);
  await resident.text(child);
  await resident.text(born);
  let last = [];
  for (let i = 0; i < photos; i++) last = await resident.photo(i + Math.floor(Math.random() * 1e6));
  if (!last.join('\n').includes('Kirim permohonan sekarang')) {
    throw new Error(`expected the submit prompt, got: ${last.join(' | ')}`);
  }
  const done = (await resident.press('submit')).join('\n');
  const ticket = done.match(/[A-Z0-9]{4}-[A-Z0-9]{4}/)?.[0];
  if (!ticket) throw new Error(`no ticket in: ${done}`);
  return ticket;
}

/** A fresh phone number and a child's name (letters only) for each request of a run. */
export function uniqueResident(base, prefix = '62812') {
  const n = `${Date.now() % 1e7}${Math.floor(Math.random() * 100)}`.padStart(9, '0').slice(-8);
  const letters = Array.from(n, (d) => String.fromCharCode(97 + Number(d))).join('');
  return { resident: new Resident(base, `${prefix}${n}`), child: `Putri A${letters}` };
}
