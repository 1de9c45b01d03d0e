import { expect, test } from '@playwright/test';
import { fmtDate, fmtDateTime, jakartaDay, maskNik } from '../src/format';

// Pure helpers (no browser): what officers read for NIKs, instants and calendar dates.
test('a NIK is shown with only its first and last four digits', () => {
  expect(maskNik('1708014508900001')).toBe('1708********0001');
  expect(maskNik('1234')).toBe('****');
  expect(maskNik(undefined)).toBe('–');
});

test('instants are shown in Jakarta time, calendar dates as that day', () => {
  // 17:30 UTC is 00:30 the next day in Jakarta.
  expect(jakartaDay(new Date('2026-12-03T17:30:00Z'))).toBe('2026-12-04');
  expect(fmtDateTime('2026-12-03T17:30:00Z')).toMatch(/^4 Des 2026.*00\.30 WIB$/);
  expect(fmtDate('2026-12-10')).toBe('10 Des 2026');
  expect(fmtDate(null)).toBe('–');
});
