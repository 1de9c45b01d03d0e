// Dates and times as officers read them: Indonesian formats, Jakarta time.
const dateTime = new Intl.DateTimeFormat('id-ID', {
  timeZone: 'Asia/Jakarta',
  dateStyle: 'medium',
  timeStyle: 'short',
});
const dateOnly = new Intl.DateTimeFormat('id-ID', { timeZone: 'Asia/Jakarta', dateStyle: 'medium' });

export function fmtDateTime(iso?: string | null): string {
  if (!iso) return '–';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${dateTime.format(d)} WIB`;
}

/** A calendar date (`2026-12-10`), shown as that day whatever the browser's zone. */
export function fmtDate(day?: string | null): string {
  if (!day) return '–';
  const d = new Date(`${day}T12:00:00+07:00`);
  return Number.isNaN(d.getTime()) ? day : dateOnly.format(d);
}

/** Jakarta's calendar date of an instant, `YYYY-MM-DD`. */
export function jakartaDay(d: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Jakarta' }).format(d);
}

export const STATUS_LABEL: Record<string, string> = {
  DRAFT: 'Draf',
  SUBMITTED: 'Diajukan',
  IN_REVIEW: 'Diperiksa',
  NEEDS_REVISION: 'Perlu perbaikan',
  APPROVED: 'Disetujui',
  REJECTED: 'Ditolak',
  COMPLETED: 'Selesai',
  CANCELLED: 'Dibatalkan',
};

export const ACTION_LABEL: Record<string, string> = {
  claim: 'Ambil',
  release: 'Lepaskan',
  request_revision: 'Minta perbaikan',
  approve: 'Setujui',
  reject: 'Tolak',
  complete: 'Selesaikan',
};

/** What an event of a request's history was, for officers (unknown ones show their code). */
export const HISTORY_LABEL: Record<string, string> = {
  opened: 'Dibuka',
  submitted: 'Diajukan',
  resubmitted: 'Perbaikan dikirim warga',
  cancelled: 'Dibatalkan warga',
  claim: 'Diambil',
  release: 'Dilepaskan',
  request_revision: 'Perbaikan diminta',
  approve: 'Disetujui',
  reject: 'Ditolak',
  complete: 'Diselesaikan',
  message: 'Pesan petugas',
  read: 'Dibuka petugas',
  document_read: 'Dokumen dilihat',
  document_received: 'Dokumen diterima',
  document_stored: 'Dokumen tersimpan',
  document_rejected: 'Dokumen ditolak',
  document_failed: 'Dokumen gagal diambil',
  upload_rejected: 'Unggahan ditolak',
  result_delivered: 'Hasil terkirim',
  result_not_delivered: 'Hasil belum dapat dikirim',
  result_delivery_failed: 'Pengiriman hasil gagal',
  nik_revealed: 'NIK ditampilkan',
  escalated: 'Diteruskan warga ke pimpinan',
  survey_answered: 'Survei kepuasan diisi',
  resident_number_changed: 'Nomor WhatsApp warga berganti',
  erase: 'Data warga dihapus',
  export: 'Data warga diekspor',
};

/** Masks a NIK as the queue does (first four and last four digits). */
export function maskNik(nik?: string | null): string {
  if (!nik) return '–';
  return nik.length > 8 ? `${nik.slice(0, 4)}${'*'.repeat(nik.length - 8)}${nik.slice(-4)}` : '****';
}
