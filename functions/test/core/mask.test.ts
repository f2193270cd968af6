import { describe, expect, it } from 'vitest';
import { maskAccessKeyId, maskAccessKeyIdsInText } from '../../src/core/mask';

describe('maskAccessKeyId', () => {
  it('keeps the first and last four characters of a key id', () => {
    expect(maskAccessKeyId('AKIAIOSFODNN7EXAMPLE')).toBe('AKIA…MPLE');
  });

  it('masks a 12-character id as first four, ellipsis, last four', () => {
    expect(maskAccessKeyId('ABCDEFGHIJKL')).toBe('ABCD…IJKL');
  });

  it('fully masks ids shorter than 12 characters', () => {
    expect(maskAccessKeyId('ABCDEFGHIJK')).toBe('****');
    expect(maskAccessKeyId('')).toBe('****');
  });

  it('says when the key id is unknown', () => {
    expect(maskAccessKeyId(null)).toBe('(unknown key)');
  });
});

describe('maskAccessKeyIdsInText', () => {
  it('masks key ids typed into free text', () => {
    expect(maskAccessKeyIdsInText('rotate AKIAIOSFODNN7EXAMPLE and ASIAY34FZKBOKMUTVV7A soon')).toBe(
      'rotate AKIA…MPLE and ASIA…VV7A soon',
    );
  });

  it('leaves ordinary text alone', () => {
    expect(maskAccessKeyIdsInText('AKIA is a prefix; vendor key until 2025')).toBe(
      'AKIA is a prefix; vendor key until 2025',
    );
  });
});
