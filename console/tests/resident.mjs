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

// A 240×150 JPEG drawn like a form (made once with a canvas in chromium), so previews show an image.
const SCAN = Buffer.from(
  '/9j/4AAQSkZJRgABAQAAAQABAAD/4gHYSUNDX1BST0ZJTEUAAQEAAAHIAAAAAAQwAABtbnRyUkdCIFhZWiAH4AABAAEAAAAAAABhY3NwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAQAA9tYAAQAAAADTLQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAlkZXNjAAAA8AAAACRyWFlaAAABFAAAABRnWFlaAAABKAAAABRiWFlaAAABPAAAABR3dHB0AAABUAAAABRyVFJDAAABZAAAAChnVFJDAAABZAAAAChiVFJDAAABZAAAAChjcHJ0AAABjAAAADxtbHVjAAAAAAAAAAEAAAAMZW5VUwAAAAgAAAAcAHMAUgBHAEJYWVogAAAAAAAAb6IAADj1AAADkFhZWiAAAAAAAABimQAAt4UAABjaWFlaIAAAAAAAACSgAAAPhAAAts9YWVogAAAAAAAA9tYAAQAAAADTLXBhcmEAAAAAAAQAAAACZmYAAPKnAAANWQAAE9AAAApbAAAAAAAAAABtbHVjAAAAAAAAAAEAAAAMZW5VUwAAACAAAAAcAEcAbwBvAGcAbABlACAASQBuAGMALgAgADIAMAAxADb/2wBDAA0JCgsKCA0LCgsODg0PEyAVExISEyccHhcgLikxMC4pLSwzOko+MzZGNywtQFdBRkxOUlNSMj5aYVpQYEpRUk//2wBDAQ4ODhMREyYVFSZPNS01T09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT0//wAARCACWAPADASIAAhEBAxEB/8QAGgABAAMBAQEAAAAAAAAAAAAAAAUGBwMEAf/EAC8QAAEDAQcCBQQDAQEAAAAAAAABAwRUAhQVU5GS0QURBhYxo9ISE4KyNTZRIUH/xAAYAQEBAQEBAAAAAAAAAAAAAAAAAQIDBP/EACQRAQACAQQCAgIDAAAAAAAAAAABEhECExRhA1EhIgQxMkFx/9oADAMBAAIRAxEAPwDRwDP/ABR4k6vA8QSosSX9tlv6Pps/bsL272EVf+qnf1U6+PxzrnEMatVWgAyrzf1+v9lv4jzf1+v9lv4nbi6/cM7sNVBlXm/r9f7LfxHm/r9f7LfxHF1+4N2Gqgyrzf1+v9lv4jzf1+v9lv4ji6/cG7DVQZV5v6/X+y38R5v6/X+y38RxdfuDdhqoMq839fr/AGW/iPN/X6/2W/iOLr9wbsNVBlXm/r9f7LfxHm/r9f7LfxHF1+4N2Gqgyrzf1+v9lv4jzf1+v9lv4ji6/cG7DVQZV5v6/X+y38R5v6/X+y38RxdfuDdhqoMq839fr/Zb+I839fr/AGW/iOLr9wbsNVBlXm/r9f7LfxHm/r9f7LfxHF1+4N2Gqgyrzf1+v9lv4jzf1+v9lv4ji6/cG7DVQZV5v6/X+y38R5v6/X+y38RxdfuDdhqoMq839fr/AGW/iPN/X6/2W/iOLr9wbsNVBn/hfxJ1ef4gixZcv7jLn1/VZ+3YTv2sKqf9RO/qhoBx8njnROJa06rBlXjX+1zfw/SyaqZV41/tc38P0snb8X+c/wCM+X9IMAHvcAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE54K/tcL8/0tGqmVeCv7XC/P9LRqp4Pyv5x/jv4v0GVeNf7XN/D9LJqoOXi8m3OcNatNoww4G4g9HL6c9rthwNxA5fRtdsOBuIHL6NrthwNxA5fRtdsOBuIHL6NrthwNxA5fRtdsOBuIHL6NrthwNxA5fRtdsOBuIHL6NrthwNxA5fRtdsOBuIHL6NrthwNxA5fRtdsOBuIHL6NrtlXgr+1wvz/AEtGqgHn8vk3Jzh006axgOduSw3aWzbfbs2k9UW2iKdCs9Y/k3vx/VDERlZnCwXyLUs70F8i1LO9CpA1VLLbfItSzvQXyLUs70KkBUstt8i1LO9BfItSzvQqQFSy23yLUs70F8i1LO9CpAVLLbfItSzvQXyLUs70KkBUstt8i1LO9BfItSzvQqQFSy23yLUs70F8i1LO9CpAVLLbfItSzvQXyLUs70KkBUstt8i1LO9BfItSzvQqQFSy23yLUs70F8i1LO9CpAVLLbfItSzvQXyLUs70KkBUstt8i1LO9DsUwuZmYwsTkABFAAAOduMw5aW1bYbtWl9VWwiqdCHn9VfjTHGbFhtbNnt2VUXv6Iv+liMpKSucWmZ2ILnFpmdiELjkrLZ0XkY5Ky2dF5LWUzCaucWmZ2ILnFpmdiELjkrLZ0XkY5Ky2dF5FZMwmrnFpmdiC5xaZnYhC45Ky2dF5GOSstnReRWTMJq5xaZnYgucWmZ2IQuOSstnReRjkrLZ0XkVkzCaucWmZ2ILnFpmdiELjkrLZ0XkY5Ky2dF5FZMwmrnFpmdiC5xaZnYhC45Ky2dF5GOSstnReRWTMJq5xaZnYgucWmZ2IQuOSstnReRjkrLZ0XkVkzCaucWmZ2ILnFpmdiELjkrLZ0XkY5Ky2dF5FZMwmrnFpmdiC5xaZnYhC45Ky2dF5GOSstnReRWTMJq5xaZnYgucWmZ2IQuOSstnReRjkrLZ0XkVkzCaucWmZ2ILnFpmdiHl6VOdm/d+7ZsJ9Hbt9KL/AO9+CQJOYVxucWmZ2IdgCKAAAAABDz+lPyZjj1i22lm127Iqr39ET/CYOduSw3aWzbfbs2k9UW2iKWJwkoPA5WYzqvAwOVmM6rwTV8i1LO9BfItSzvQtpTEIXA5WYzqvAwOVmM6rwTV8i1LO9BfItSzvQWkxCFwOVmM6rwMDlZjOq8E1fItSzvQXyLUs70FpMQhcDlZjOq8DA5WYzqvBNXyLUs70F8i1LO9BaTEIXA5WYzqvAwOVmM6rwTV8i1LO9BfItSzvQWkxCFwOVmM6rwMDlZjOq8E1fItSzvQXyLUs70FpMQhcDlZjOq8DA5WYzqvBNXyLUs70F8i1LO9BaTEIXA5WYzqvAwOVmM6rwTV8i1LO9BfItSzvQWkxCFwOVmM6rwMDlZjOq8E1fItSzvQXyLUs70FpMQhcDlZjOq8DA5WYzqvBNXyLUs70F8i1LO9BaTEPL0qC7C+7921YX6+3b6VX/wA78kgcb5FqWd6C+RalnehJzKuwON8i1LO9BfItSzvQiuwPli3ZcspasWktWV9FRe6H0AAABWesfyb34/qhZjnbjMOWltW2G7VpfVVsIqlicJMZVAFtucWmZ2ILnFpmdiGrJVUgW25xaZnYgucWmZ2ILFVSBbbnFpmdiC5xaZnYgsVVIFtucWmZ2ILnFpmdiCxVUgW25xaZnYgucWmZ2ILFVSBbbnFpmdiC5xaZnYgsVVIFtucWmZ2ILnFpmdiCxVUgW25xaZnYgucWmZ2ILFVSBbbnFpmdiC5xaZnYgsVVIFtucWmZ2ILnFpmdiCxVUgW25xaZnYgucWmZ2ILFVSBbbnFpmdiC5xaZnYgsVcej/wAYz+X7Kew+WLFluylmxZSzZT0RE7IfTEtAAAEPP6q/GmOM2LDa2bPbsqovf0Rf9Jgh5/Sn5Mxx6xbbSza7dkVV7+iJ/hYx/aS8+OSstnReRjkrLZ0XkYHKzGdV4GBysxnVeDX1Z+THJWWzovIxyVls6LyMDlZjOq8DA5WYzqvA+p8mOSstnReRjkrLZ0XkYHKzGdV4GBysxnVeB9T5MclZbOi8jHJWWzovIwOVmM6rwMDlZjOq8D6nyY5Ky2dF5GOSstnReRgcrMZ1XgYHKzGdV4H1PkxyVls6LyMclZbOi8jA5WYzqvAwOVmM6rwPqfJjkrLZ0XkY5Ky2dF5GBysxnVeBgcrMZ1XgfU+THJWWzovIxyVls6LyMDlZjOq8DA5WYzqvA+p8vRA6q/JmNs27DaWbXfuqIvf0Vf8ASYIeB0p+NMbet221s2e/dEVe/oqf4TBnVj+moAARQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAf/9k=',
  'base64',
);

/** That JPEG with a comment segment (FF FE) after SOI carrying `n`: distinct bytes per scan. */
export function jpeg(n) {
  const text = Buffer.from(`scan ${n}`);
  const len = text.length + 2;
  return Buffer.concat([SCAN.subarray(0, 2), Buffer.from([0xff, 0xfe, len >> 8, len & 255]), text, SCAN.subarray(2)]);
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
