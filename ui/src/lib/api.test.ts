import { describe, expect, test } from 'vitest';
import { toApiError } from './api';

describe('toApiError', () => {
  test('passes a shell error through, so the UI can branch on its code', () => {
    expect(toApiError({ code: 'invalid_credentials', message: 'wrong password for a@b.c' })).toEqual({
      code: 'invalid_credentials',
      message: 'wrong password for a@b.c',
    });
  });

  test('an unknown code or a thrown Error becomes internal, never a crash', () => {
    expect(toApiError({ code: 'teapot', message: 'x' }).code).toBe('internal');
    expect(toApiError(new Error('ipc broke'))).toEqual({ code: 'internal', message: 'ipc broke' });
    expect(toApiError('plain string')).toEqual({ code: 'internal', message: 'plain string' });
    expect(toApiError(undefined).code).toBe('internal');
  });

  test('a missing message is an empty string', () => {
    expect(toApiError({ code: 'offline' })).toEqual({ code: 'offline', message: '' });
  });
});
